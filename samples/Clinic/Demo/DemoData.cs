using Clinic.Contracts;
using ZamSync;

namespace Clinic.Demo;

/// <summary>Realistic, repeatable days of work at a clinic: registrations, visits, vitals, diagnoses, medicine, stock.</summary>
public static class DemoData
{
    private static readonly string[] GivenNames = ["Dorji", "Pema", "Karma", "Sonam", "Tashi", "Yangchen", "Nima", "Chimi", "Kinley", "Dechen", "Ugyen", "Sangay"];
    private static readonly string[] Villages = ["Khaling", "Yonphula", "Barshong", "Lumang", "Kanglung", "Radhi"];
    private static readonly (string Code, string Text, string Item, string Dosage)[] Conditions =
    [
        ("J06.9", "Upper respiratory infection", "Paracetamol 500 mg", "1 tablet 3x daily, 5 days"),
        ("A09", "Gastroenteritis", "ORS sachet", "1 sachet after each loose stool"),
        ("I10", "Essential hypertension", "Amlodipine 5 mg", "1 tablet daily"),
        ("B54", "Malaria, unspecified", "Artemether-lumefantrine", "4 tablets 2x daily, 3 days"),
        ("L03.9", "Cellulitis", "Amoxicillin 500 mg", "1 capsule 3x daily, 7 days"),
    ];

    /// <summary>Records <paramref name="patients"/> patients' first visits at <paramref name="clinic"/>, offline.</summary>
    public static async Task<int> RecordDayAsync(ZamEngine engine, string clinic, int patients, int seed, CancellationToken cancellationToken = default)
    {
        var random = new Random(seed);
        int events = 0;
        async Task Submit<T>(T e) where T : IZamEvent<T>
        {
            await engine.SubmitAsync(e, cancellationToken).ConfigureAwait(false);
            events++;
        }

        foreach (var (_, _, item, _) in Conditions)
            await Submit(new StockReceived(clinic, item, 100 + random.Next(5) * 20, $"B{random.Next(1000, 9999)}", new DateOnly(2028, 1 + random.Next(12), 1)));

        for (int i = 0; i < patients; i++)
        {
            string patient = $"{clinic}-P{i + 1:D3}";
            string visit = $"{patient}-V1";
            var condition = Conditions[random.Next(Conditions.Length)];
            int quantity = 5 + random.Next(4) * 5;
            await Submit(new PatientRegistered(patient, $"{GivenNames[random.Next(GivenNames.Length)]} {GivenNames[random.Next(GivenNames.Length)]}",
                new DateOnly(1950 + random.Next(70), 1 + random.Next(12), 1 + random.Next(28)), (Sex)(1 + random.Next(2)), Villages[random.Next(Villages.Length)]));
            await Submit(new VisitRecorded(patient, visit, condition.Text, $"HA {GivenNames[random.Next(GivenNames.Length)]}"));
            await Submit(new VitalsRecorded(patient, visit, 100 + random.Next(60), 60 + random.Next(35), 36.0m + random.Next(30) / 10m, random.Next(3) == 0 ? null : 40 + random.Next(40)));
            await Submit(new DiagnosisRecorded(patient, visit, condition.Code, condition.Text));
            await Submit(new PrescriptionIssued(patient, visit, condition.Item, quantity, condition.Dosage));
            await Submit(new StockDispensed(clinic, condition.Item, quantity, patient));
        }
        return events;
    }
}
