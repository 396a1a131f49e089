using System.CommandLine;
using System.Globalization;
using Clinic.Contracts;
using Clinic.Node;
using ZamSync;

namespace Clinic.Tests;

/// <summary>
/// <c>submit</c> reads numbers and dates the same way on every machine (37.5, 1990-04-02) and refuses what cannot be
/// meant, naming the value, before anything is stored.
/// </summary>
public sealed class SubmitTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private string Clinic => _work.Dir("clinic");

    private sealed record Held(int EventsApplied, Dictionary<string, PatientRecord> Patients);

    private async Task<Held> ReadAsync()
    {
        await using var engine = await ZamEngine<ClinicNetworkState>.OpenAsync(Clinic, new NodeId(7), NodeDirectory.EngineOptions);
        return engine.Read(s => new Held(s.EventsApplied, s.Patients.ToDictionary(p => p.Key, p => p.Value)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("de-DE")]
    [InlineData("en-US")]
    public async Task Numbers_and_dates_are_read_the_same_in_every_culture(string culture)
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        await _work.InitDeploymentAsync();
        await Workspace.Succeed("submit", "register", "--dir", Clinic, "--patient", "P-002", "--name", "Karma", "--born", "2001-11-03");
        await Workspace.Succeed("submit", "vitals", "--dir", Clinic, "--patient", "P-002", "--visit", "V1", "--systolic", "118", "--diastolic", "76", "--temp", "37.5");

        var state = await ReadAsync();
        Assert.Equal(new DateOnly(2001, 11, 3), state.Patients["P-002"].BirthDate);
        Assert.Equal(37.5m, Assert.Single(state.Patients["P-002"].Vitals).TemperatureC);
    }

    [Theory]
    [InlineData("de-DE", "vitals", "--temp", "37,5")]    // read as 375 with a thousands separator, or 37.5 in German
    [InlineData("", "vitals", "--temp", "37,5")]
    [InlineData("", "vitals", "--temp", "375")]
    [InlineData("", "vitals", "--temp", "1e1")]
    [InlineData("", "vitals", "--systolic", "12O")]
    [InlineData("", "vitals", "--systolic", "-120")]
    [InlineData("de-DE", "register", "--born", "02/04/1990")] // April or February? refused, not guessed
    [InlineData("", "register", "--born", "02.04.1990")]
    [InlineData("", "register", "--born", "1990-13-01")]
    [InlineData("", "register", "--born", "2999-01-01")]   // in the future
    [InlineData("", "register", "--patient", "  ")]
    [InlineData("", "register", "--name", "")]
    [InlineData("", "prescribe", "--qty", "-5")]
    [InlineData("", "prescribe", "--qty", "0")]
    [InlineData("", "stock-in", "--qty", "2.5")]
    [InlineData("", "dispense", "--item", "")]
    [InlineData("", "diagnosis", "--icd10", "diarrhoea")]
    public async Task A_value_that_cannot_be_meant_is_refused_naming_it_and_nothing_is_stored(string culture, string kind, string option, string value)
    {
        CultureInfo.CurrentCulture = new CultureInfo(culture);
        await _work.InitDeploymentAsync();
        var valid = new Dictionary<string, string>
        {
            ["--patient"] = "P-001", ["--visit"] = "V1", ["--name"] = "Dorji", ["--born"] = "1990-04-02", ["--systolic"] = "120",
            ["--diastolic"] = "80", ["--temp"] = "36.8", ["--item"] = "ORS", ["--qty"] = "10", ["--icd10"] = "A09", ["--text"] = "Diarrhoea",
        };
        string[] needs = kind switch
        {
            "register" => ["--patient", "--name", "--born"],
            "vitals" => ["--patient", "--visit", "--systolic", "--diastolic", "--temp"],
            "prescribe" => ["--patient", "--visit", "--item", "--qty"],
            "diagnosis" => ["--patient", "--visit", "--icd10", "--text"],
            _ => ["--item", "--qty"],
        };
        var args = new List<string> { "submit", kind, "--dir", Clinic };
        foreach (var o in needs) args.AddRange([o, o == option ? value : valid[o]]);

        var console = new TestConsole();
        int exit = await console.RunAsync([.. args]);

        Assert.Equal(2, exit);
        AssertError.OneLineNaming(console, option, $"'{value}'");
        Assert.Equal(1, (await ReadAsync()).EventsApplied); // only the registration from InitDeploymentAsync
    }

    [Fact]
    public async Task Swapped_blood_pressures_are_refused()
    {
        await _work.InitDeploymentAsync();
        var console = new TestConsole();
        Assert.Equal(2, await console.RunAsync("submit", "vitals", "--dir", Clinic, "--patient", "P-001", "--visit", "V1", "--systolic", "80", "--diastolic", "120", "--temp", "36.8"));
        AssertError.OneLineNaming(console, "--diastolic 120", "--systolic 80");
    }

    [Fact]
    public async Task Vitals_need_a_registered_patient_unless_the_clinic_says_the_registration_is_on_its_way()
    {
        await _work.InitDeploymentAsync();
        string[] vitals = ["submit", "vitals", "--dir", Clinic, "--patient", "P-404", "--visit", "V1", "--systolic", "120", "--diastolic", "80", "--temp", "36.8"];

        var console = new TestConsole();
        Assert.Equal(1, await console.RunAsync(vitals));
        AssertError.OneLineNaming(console, "patient 'P-404' is not registered", "--unregistered-ok");
        Assert.Equal(1, (await ReadAsync()).EventsApplied);

        await Workspace.Succeed([.. vitals, "--unregistered-ok"]);
        Assert.Equal(2, (await ReadAsync()).EventsApplied);
    }

    [Fact]
    public void No_option_leaves_its_parsing_to_a_type_whose_name_would_reach_the_operator()
    {
        // Every option that is not text, a switch or an action (--help) has its own parser, so a bad value gets a message naming the
        // option and the value (System.CommandLine's says "expected type 'System.Nullable`1[System.Int64]'").
        var root = ClinicApp.CreateRoot(new TestConsole().Console);
        var commands = new List<Command> { root };
        for (int i = 0; i < commands.Count; i++) commands.AddRange(commands[i].Subcommands);
        var unparsed = commands.SelectMany(c => c.Options.Select(o => (Command: c.Name, Option: o)))
            .Where(x => x.Option.ValueType != typeof(string) && x.Option.ValueType != typeof(bool) && x.Option.ValueType != typeof(void))
            .Where(x => !HasCustomParser(x.Option))
            .Select(x => $"{x.Command} {x.Option.Name} ({x.Option.ValueType.Name})")
            .ToList();
        Assert.Empty(unparsed);
    }

    private static bool HasCustomParser(Option option) =>
        option.GetType().GetProperty("CustomParser")?.GetValue(option) is not null;
}
