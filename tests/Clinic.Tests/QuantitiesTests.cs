using Clinic.Commands;

namespace Clinic.Tests;

/// <summary>Byte counts and intervals as operators type them; what cannot be meant is refused, naming the value.</summary>
public class QuantitiesTests
{
    [Theory]
    [InlineData("200000", 200_000L)]
    [InlineData("200k", 200_000L)]
    [InlineData("2MB", 2_000_000L)]
    [InlineData("2 MB", 2_000_000L)]
    [InlineData("64KiB", 65_536L)]
    [InlineData("1G", 1_000_000_000L)]
    public void Byte_counts_take_units(string text, long expected)
    {
        Assert.True(Quantities.TryParseBytes(text, out long bytes, out _));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("2,5MB")]
    [InlineData("lots")]
    [InlineData("99999999999999999999")]
    public void Nonsense_byte_counts_are_refused_naming_the_value(string text)
    {
        Assert.False(Quantities.TryParseBytes(text, out _, out string error));
        Assert.Contains($"'{text}'", error);
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("10m", 600_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("250ms", 250)]
    [InlineData("00:10:00", 600_000)]
    [InlineData("00:00:00.05", 50)]
    public void Intervals_take_units_or_hh_mm_ss(string text, long milliseconds)
    {
        Assert.True(Quantities.TryParseInterval(text, out var interval, out _));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), interval);
    }

    [Theory]
    [InlineData("10")]      // ten days, ten minutes? refused rather than guessed
    [InlineData("0s")]
    [InlineData("00:00:00")]
    [InlineData("-5m")]
    [InlineData("-00:05:00")]
    [InlineData("5 minutes")]
    public void Intervals_without_a_unit_or_not_positive_are_refused_naming_the_value(string text)
    {
        Assert.False(Quantities.TryParseInterval(text, out _, out string error));
        Assert.Contains($"'{text}'", error);
    }

    [Theory]
    [InlineData("--max-bytes", "0")]
    [InlineData("--max-bytes", "2,5MB")]
    [InlineData("--every", "0")]
    [InlineData("--every", "10")]
    [InlineData("--every", "-00:05:00")]
    public async Task The_sync_command_refuses_them_as_usage_errors_naming_the_value_before_touching_anything(string option, string value)
    {
        var console = new TestConsole();
        string dir = Path.Combine(Path.GetTempPath(), "zamsync-never-created-" + Guid.NewGuid().ToString("N"));

        int exit = await console.RunAsync("sync", "--dir", dir, "--hub", "127.0.0.1:1", "--hub-id", "1000", option, value);

        Assert.Equal(2, exit);
        Assert.Contains($"{option}: '{value}'", console.Errors);
        Assert.False(Directory.Exists(dir));
    }
}
