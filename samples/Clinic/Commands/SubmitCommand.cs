using System.CommandLine;
using Clinic.Contracts;
using Clinic.Node;
using Spectre.Console;
using ZamSync;

namespace Clinic.Commands;

/// <summary><c>submit &lt;event&gt; ...</c>: records one event, durably, on this node (no network needed).</summary>
internal static class SubmitCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var command = new Command("submit", "Record an event on this node (works offline)");
        var dir = Common.Dir();
        dir.Recursive = true; // `submit register --dir ...` as well as `submit --dir ... register`
        command.Options.Add(dir);

        var patient = new Option<string>("--patient") { Description = "Patient id", Required = true };
        var visit = new Option<string>("--visit") { Description = "Visit id", Required = true };
        var name = new Option<string>("--name") { Description = "Patient's name", Required = true };
        var born = new Option<DateOnly>("--born") { Description = "Date of birth (yyyy-mm-dd)", Required = true };
        var village = new Option<string>("--village") { Description = "Home village", DefaultValueFactory = _ => "" };
        var reason = new Option<string>("--reason") { Description = "Reason for the visit", Required = true };
        var seenBy = new Option<string>("--seen-by") { Description = "Health worker", DefaultValueFactory = _ => "" };
        var systolic = new Option<int>("--systolic") { Required = true };
        var diastolic = new Option<int>("--diastolic") { Required = true };
        var temperature = new Option<decimal>("--temp") { Description = "Temperature in °C", Required = true };
        var code = new Option<string>("--icd10") { Required = true };
        var text = new Option<string>("--text") { Required = true };
        var item = new Option<string>("--item") { Required = true };
        var quantity = new Option<int>("--qty") { Required = true };
        var dosage = new Option<string>("--dosage") { DefaultValueFactory = _ => "" };
        var to = new Option<string>("--to") { Description = "Receiving clinic", Required = true };

        Add(command, console, dir, new Command("register", "A patient is registered") { patient, name, born, village },
            (r, clinic) => new PatientRegistered(r.GetValue(patient)!, r.GetValue(name)!, r.GetValue(born), Sex.Unknown, r.GetValue(village)!));
        Add(command, console, dir, new Command("visit", "A visit") { patient, visit, reason, seenBy },
            (r, clinic) => new VisitRecorded(r.GetValue(patient)!, r.GetValue(visit)!, r.GetValue(reason)!, r.GetValue(seenBy)!));
        Add(command, console, dir, new Command("vitals", "Vital signs") { patient, visit, systolic, diastolic, temperature },
            (r, clinic) => new VitalsRecorded(r.GetValue(patient)!, r.GetValue(visit)!, r.GetValue(systolic), r.GetValue(diastolic), r.GetValue(temperature), null));
        Add(command, console, dir, new Command("diagnosis", "A diagnosis") { patient, visit, code, text },
            (r, clinic) => new DiagnosisRecorded(r.GetValue(patient)!, r.GetValue(visit)!, r.GetValue(code)!, r.GetValue(text)!));
        Add(command, console, dir, new Command("prescribe", "A prescription") { patient, visit, item, quantity, dosage },
            (r, clinic) => new PrescriptionIssued(r.GetValue(patient)!, r.GetValue(visit)!, r.GetValue(item)!, r.GetValue(quantity), r.GetValue(dosage)!));
        Add(command, console, dir, new Command("stock-in", "Stock received") { item, quantity },
            (r, clinic) => new StockReceived(clinic, r.GetValue(item)!, r.GetValue(quantity), "", DateOnly.MaxValue));
        Add(command, console, dir, new Command("dispense", "Stock dispensed") { item, quantity },
            (r, clinic) => new StockDispensed(clinic, r.GetValue(item)!, r.GetValue(quantity), null));
        Add(command, console, dir, new Command("transfer", "A patient moves to another clinic") { patient, to, reason },
            (r, clinic) => new PatientTransferred(r.GetValue(patient)!, clinic, r.GetValue(to)!, r.GetValue(reason)!));
        return command;
    }

    private static void Add<TEvent>(Command parent, IAnsiConsole console, Option<string> dir, Command command, Func<ParseResult, string, TEvent> create)
        where TEvent : IZamEvent<TEvent>
    {
        command.SetAction(async (result, cancellationToken) =>
        {
            var directory = new NodeDirectory(result.GetValue(dir)!);
            string clinic = directory.Config.Name;
            await using var engine = await directory.OpenAsync(cancellationToken);
            var stored = await engine.SubmitAsync(create(result, clinic), cancellationToken);
            console.MarkupLineInterpolated($"[green]Recorded[/] {typeof(TEvent).Name} as {stored.Origin}#{stored.Sequence} (durable)");
            return 0;
        });
        parent.Subcommands.Add(command);
    }
}
