using System.CommandLine;
using System.Text.RegularExpressions;
using Clinic.Contracts;
using Clinic.Node;
using Spectre.Console;
using ZamSync;

namespace Clinic.Commands;

/// <summary>
/// <c>submit &lt;event&gt; ...</c>: records one event, durably, on this node (no network needed). Values are read
/// culture-invariantly and checked before anything is stored: an event, once synced, is on every node for good.
/// </summary>
internal static partial class SubmitCommand
{
    public static Command Create(IAnsiConsole console, TimeProvider clock)
    {
        var command = new Command("submit", "Record an event on this node (works offline). Numbers are written with a point (37.5), dates as yyyy-mm-dd.");
        var dir = Common.Dir();
        dir.Recursive = true; // `submit register --dir ...` as well as `submit --dir ... register`
        command.Options.Add(dir);

        var patient = Values.NonBlank("--patient", "Patient id");
        var visit = Values.NonBlank("--visit", "Visit id");
        var name = Values.NonBlank("--name", "Patient's name");
        var born = Values.PastDate("--born", "Date of birth, yyyy-mm-dd", clock);
        var village = new Option<string>("--village") { Description = "Home village", DefaultValueFactory = _ => "" };
        var reason = Values.NonBlank("--reason", "Reason for the visit or transfer");
        var seenBy = new Option<string>("--seen-by") { Description = "Health worker", DefaultValueFactory = _ => "" };
        // Wide enough for any patient a clinic will see; narrow enough to catch a slipped digit or swapped fields.
        var systolic = Values.Whole("--systolic", "Systolic blood pressure, mmHg", 40, 300);
        var diastolic = Values.Whole("--diastolic", "Diastolic blood pressure, mmHg", 20, 200);
        var temperature = Values.Decimal("--temp", "Temperature in °C, e.g. 37.5", 25m, 45m, "37.5");
        var code = Values.NonBlank("--icd10", "ICD-10 code, e.g. A09 or J18.9");
        var text = Values.NonBlank("--text", "The diagnosis in words");
        var item = Values.NonBlank("--item", "Stock item");
        var quantity = Values.Whole("--qty", "Units (a whole number above 0)", 1, 1_000_000);
        var dosage = new Option<string>("--dosage") { DefaultValueFactory = _ => "" };
        var to = Values.NonBlank("--to", "Receiving clinic");
        var unregistered = new Option<bool>("--unregistered-ok")
        {
            Description = "Record it although this clinic does not know the patient (their registration is still on its way from another clinic)",
        };

        var context = new Context(console, dir, unregistered);
        Add(context, command, new Command("register", "A patient is registered") { patient, name, born, village }, patientOption: null,
            (r, clinic) => new PatientRegistered(r.GetValue(patient)!, r.GetValue(name)!, r.GetValue(born), Sex.Unknown, r.GetValue(village)!.Trim()));
        Add(context, command, new Command("visit", "A visit") { patient, visit, reason, seenBy, unregistered }, patient,
            (r, clinic) => new VisitRecorded(r.GetValue(patient)!, r.GetValue(visit)!, r.GetValue(reason)!, r.GetValue(seenBy)!.Trim()));
        Add(context, command, new Command("vitals", "Vital signs") { patient, visit, systolic, diastolic, temperature, unregistered }, patient,
            (r, clinic) =>
            {
                if (r.GetValue(diastolic) >= r.GetValue(systolic))
                    throw new UsageMistake($"--diastolic {r.GetValue(diastolic)} must be below --systolic {r.GetValue(systolic)} (were they swapped?)");
                return new VitalsRecorded(r.GetValue(patient)!, r.GetValue(visit)!, r.GetValue(systolic), r.GetValue(diastolic), r.GetValue(temperature), null);
            });
        Add(context, command, new Command("diagnosis", "A diagnosis") { patient, visit, code, text, unregistered }, patient,
            (r, clinic) =>
            {
                string icd10 = r.GetValue(code)!.ToUpperInvariant();
                if (!Icd10().IsMatch(icd10)) throw new UsageMistake($"--icd10: expected an ICD-10 code such as A09 or J18.9, got '{r.GetValue(code)}'");
                return new DiagnosisRecorded(r.GetValue(patient)!, r.GetValue(visit)!, icd10, r.GetValue(text)!);
            });
        Add(context, command, new Command("prescribe", "A prescription") { patient, visit, item, quantity, dosage, unregistered }, patient,
            (r, clinic) => new PrescriptionIssued(r.GetValue(patient)!, r.GetValue(visit)!, r.GetValue(item)!, r.GetValue(quantity), r.GetValue(dosage)!.Trim()));
        Add(context, command, new Command("stock-in", "Stock received") { item, quantity }, patientOption: null,
            (r, clinic) => new StockReceived(clinic, r.GetValue(item)!, r.GetValue(quantity), "", DateOnly.MaxValue));
        Add(context, command, new Command("dispense", "Stock dispensed") { item, quantity }, patientOption: null,
            (r, clinic) => new StockDispensed(clinic, r.GetValue(item)!, r.GetValue(quantity), null));
        Add(context, command, new Command("transfer", "A patient moves to another clinic") { patient, to, reason, unregistered }, patient,
            (r, clinic) =>
            {
                if (string.Equals(r.GetValue(to), clinic, StringComparison.OrdinalIgnoreCase))
                    throw new UsageMistake($"--to '{r.GetValue(to)}' is this clinic: a transfer goes to another one");
                return new PatientTransferred(r.GetValue(patient)!, clinic, r.GetValue(to)!, r.GetValue(reason)!);
            });
        return command;
    }

    private sealed record Context(IAnsiConsole Console, Option<string> Dir, Option<bool> UnregisteredOk);

    /// <param name="patientOption">The patient the event is about, who must be registered here (unless overridden); null for none.</param>
    private static void Add<TEvent>(Context context, Command parent, Command command, Option<string>? patientOption, Func<ParseResult, string, TEvent> create)
        where TEvent : IZamEvent<TEvent>
    {
        command.SetAction(async (result, cancellationToken) =>
        {
            var directory = new NodeDirectory(result.GetValue(context.Dir)!);
            string clinic = directory.Config.Name;
            var submitted = create(result, clinic); // checks its values before the store is opened
            string? mustBeRegistered = patientOption is not null && !result.GetValue(context.UnregisteredOk) ? result.GetValue(patientOption) : null;
            // Through the running node when there is one (it owns the directory), else on the directory itself.
            await using var node = await NodeAccess.OpenAsync(directory, cancellationToken);
            var stored = await node.SubmitAsync(submitted, mustBeRegistered, cancellationToken);
            context.Console.MarkupLineInterpolated($"[green]Recorded[/] {typeof(TEvent).Name} as {stored.Origin}#{stored.Sequence} (durable)");
            return ClinicApp.Success;
        });
        parent.Subcommands.Add(command);
    }

    // A letter, two digits, and an optional subdivision after a point (WHO's ICD-10 form).
    [GeneratedRegex(@"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Icd10();
}
