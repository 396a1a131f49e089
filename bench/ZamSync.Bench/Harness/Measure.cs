using System.Diagnostics;

namespace ZamSync.Bench.Harness;

/// <summary>Warm-up, repetitions, median.</summary>
internal static class Measure
{
    /// <summary>
    /// Runs <paramref name="sample"/> <paramref name="warmups"/> times (discarded), then
    /// <paramref name="repetitions"/> times; returns every kept sample.
    /// </summary>
    public static async Task<Samples> RepeatAsync(int warmups, int repetitions, Func<int, Task<double>> sample)
    {
        for (int i = 0; i < warmups; i++) await sample(-1 - i).ConfigureAwait(false);
        var values = new double[repetitions];
        for (int i = 0; i < repetitions; i++) values[i] = await sample(i).ConfigureAwait(false);
        return new Samples(values);
    }

    /// <summary>Same, for synchronous samples.</summary>
    public static Samples Repeat(int warmups, int repetitions, Func<double> sample)
    {
        for (int i = 0; i < warmups; i++) sample();
        var values = new double[repetitions];
        for (int i = 0; i < repetitions; i++) values[i] = sample();
        return new Samples(values);
    }

    public static double Milliseconds(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
}

/// <summary>The kept samples of one measurement.</summary>
internal sealed class Samples
{
    private readonly double[] _sorted;

    public Samples(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("No samples.", nameof(values));
        _sorted = values.Order().ToArray();
    }

    public int Count => _sorted.Length;
    public double Min => _sorted[0];
    public double Max => _sorted[^1];

    public double Median => _sorted.Length % 2 == 1
        ? _sorted[_sorted.Length / 2]
        : (_sorted[_sorted.Length / 2 - 1] + _sorted[_sorted.Length / 2]) / 2;

    /// <summary>Nearest-rank percentile, <paramref name="p"/> in [0, 100].</summary>
    public double Percentile(double p) => _sorted[Math.Clamp((int)Math.Ceiling(p / 100 * _sorted.Length) - 1, 0, _sorted.Length - 1)];

    public string Describe(string format = "N1") =>
        $"median {Median.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}, " +
        $"min {Min.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}, " +
        $"max {Max.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} (n={Count})";
}
