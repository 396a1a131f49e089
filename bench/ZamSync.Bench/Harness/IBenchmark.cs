namespace ZamSync.Bench.Harness;

/// <summary>One benchmark: measures something and returns its rows.</summary>
internal interface IBenchmark
{
    /// <summary>Short stable name, matched by <c>--filter</c>.</summary>
    string Name { get; }

    /// <summary>What it measures, printed before it runs.</summary>
    string Description { get; }

    Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context);
}

/// <summary>One row of the report.</summary>
/// <param name="Name">Stable across runs (no measured numbers in it), so results can be compared.</param>
/// <param name="Value">The median of the repetitions.</param>
/// <param name="Baseline">The baseline's value measured in the same run, or null.</param>
/// <param name="Target">A target to report against (printed, never asserted).</param>
internal sealed record BenchResult(string Name, double Value, string Unit, double? Baseline = null, string? Target = null)
{
    public double? Ratio => Baseline is { } b && b != 0 ? Value / b : null;
}
