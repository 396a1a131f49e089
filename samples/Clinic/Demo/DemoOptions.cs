namespace Clinic.Demo;

/// <summary>The demo's knobs; the defaults tell the story in well under a minute.</summary>
public sealed record DemoOptions
{
    public int Clinics { get; init; } = 3;
    public int PatientsPerClinic { get; init; } = 5;

    /// <summary>One-way delay of the simulated link (300 ms: a 600 ms round trip, as on 2G).</summary>
    public TimeSpan OneWayDelay { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The link's rate in each direction (30 kbit/s).</summary>
    public int BytesPerSecond { get; init; } = 30_000 / 8;

    /// <summary>Each session's byte budget, in each direction.</summary>
    public long BudgetBytes { get; init; } = 3_000;

    /// <summary>Where to keep the nodes' directories (a fresh temporary folder when null, removed at the end).</summary>
    public string? Directory { get; init; }

    /// <summary>
    /// Keep the temporary folder at the end (a <see cref="Directory"/> given is always kept), and keep the hub's
    /// engine and dashboard up after the report until the command is stopped (Ctrl+C), so it can be looked at.
    /// </summary>
    public bool Keep { get; init; }

    /// <summary>The loopback address of the hub's dashboard and HTTP API (port 0: a free one; the demo prints it).</summary>
    public string Http { get; init; } = "127.0.0.1:0";
}
