using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Clinic.Contracts;

/// <summary>
/// What every node of the network knows: each patient with their history, and stock per clinic. Every node
/// folds the same events in the same order, so every node ends with the same state; <see cref="Digest"/> proves it.
/// </summary>
[ZamState(Snapshots = true)]
public partial class ClinicNetworkState
{
    public Dictionary<string, PatientRecord> Patients { get; } = new(StringComparer.Ordinal);

    /// <summary>Clinic → item → units on the shelf.</summary>
    public Dictionary<string, Dictionary<string, int>> Stock { get; } = new(StringComparer.Ordinal);

    public int EventsApplied { get; private set; }

    public void Reset()
    {
        Patients.Clear();
        Stock.Clear();
        EventsApplied = 0;
    }

    void Apply(PatientRegistered e, EventContext ctx)
    {
        Patients[e.PatientId] = new PatientRecord(e.PatientId, e.Name, e.BirthDate, e.Sex, e.Village, HomeClinic: ctx.Origin.ToString());
        EventsApplied++;
    }

    void Apply(VisitRecorded e)
    {
        Patient(e.PatientId)?.Visits.Add($"{e.VisitId}: {e.Reason} (seen by {e.SeenBy})");
        EventsApplied++;
    }

    void Apply(VitalsRecorded e)
    {
        Patient(e.PatientId)?.Vitals.Add(new Vitals(e.VisitId, e.Systolic, e.Diastolic, e.TemperatureC, e.WeightKg));
        EventsApplied++;
    }

    void Apply(DiagnosisRecorded e)
    {
        Patient(e.PatientId)?.Diagnoses.Add($"{e.Icd10} {e.Description}");
        EventsApplied++;
    }

    void Apply(PrescriptionIssued e)
    {
        // Invariant: a quantity formatted by a node's own culture could differ between clinics (ZS6004).
        Patient(e.PatientId)?.Prescriptions.Add(string.Create(CultureInfo.InvariantCulture, $"{e.Item} x{e.Quantity}, {e.Dosage}"));
        EventsApplied++;
    }

    void Apply(StockReceived e)
    {
        var shelf = Shelf(e.Clinic);
        shelf[e.Item] = shelf.GetValueOrDefault(e.Item) + e.Quantity;
        EventsApplied++;
    }

    void Apply(StockDispensed e)
    {
        var shelf = Shelf(e.Clinic);
        shelf[e.Item] = shelf.GetValueOrDefault(e.Item) - e.Quantity;
        EventsApplied++;
    }

    void Apply(PatientTransferred e)
    {
        if (Patient(e.PatientId) is { } patient) Patients[e.PatientId] = patient with { HomeClinic = e.ToClinic };
        EventsApplied++;
    }

    // Events about a patient registered at a clinic whose registration has not arrived yet are kept nowhere
    // here; the re-fold that follows the registration's arrival applies them in order.
    private PatientRecord? Patient(string id) => Patients.GetValueOrDefault(id);

    private Dictionary<string, int> Shelf(string clinic)
    {
        if (!Stock.TryGetValue(clinic, out var shelf)) Stock[clinic] = shelf = new(StringComparer.Ordinal);
        return shelf;
    }

    /// <summary>A short hash of the whole state in a canonical form: equal on every node that converged.</summary>
    public string Digest()
    {
        var text = new StringBuilder();
        foreach (var p in Patients.Values.OrderBy(p => p.PatientId, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"P|{p.PatientId}|{p.Name}|{p.BirthDate:O}|{p.Sex}|{p.Village}|{p.HomeClinic}\n");
            foreach (var v in p.Visits) text.Append("V|").Append(v).Append('\n');
            foreach (var v in p.Vitals) text.Append(CultureInfo.InvariantCulture, $"S|{v}\n");
            foreach (var d in p.Diagnoses) text.Append("D|").Append(d).Append('\n');
            foreach (var r in p.Prescriptions) text.Append("R|").Append(r).Append('\n');
        }
        foreach (var (clinic, shelf) in Stock.OrderBy(s => s.Key, StringComparer.Ordinal))
            foreach (var (item, units) in shelf.OrderBy(i => i.Key, StringComparer.Ordinal))
                text.Append(CultureInfo.InvariantCulture, $"K|{clinic}|{item}|{units}\n");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12].ToLowerInvariant();
    }
}

public sealed record PatientRecord(string PatientId, string Name, DateOnly BirthDate, Sex Sex, string Village, string HomeClinic)
{
    public List<string> Visits { get; init; } = new();
    public List<Vitals> Vitals { get; init; } = new();
    public List<string> Diagnoses { get; init; } = new();
    public List<string> Prescriptions { get; init; } = new();
}

public sealed record Vitals(string VisitId, int Systolic, int Diastolic, decimal TemperatureC, decimal? WeightKg);
