namespace Clinic.Tests;

/// <summary>What every failure of the tool must look like: one line on stderr, naming the thing, no stack trace.</summary>
internal static class AssertError
{
    public static void OneLineNaming(TestConsole console, params string[] named)
    {
        var lines = console.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got:\n{console.Errors}");
        Assert.StartsWith("error: ", lines[0]);
        foreach (var thing in named) Assert.Contains(thing, lines[0]);
        Assert.DoesNotContain("   at ", console.Errors + console.Output);
        Assert.DoesNotContain("Exception", lines[0]);
        Assert.DoesNotContain("System.", lines[0]);
    }
}
