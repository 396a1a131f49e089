using System.Globalization;
using Clinic.Demo;

namespace Clinic.Tests;

public class DemoTests
{
    [Fact]
    public async Task The_demo_converges_through_a_cut_and_budgets_and_says_so_on_its_last_line()
    {
        var console = new TestConsole();
        // The real story on a faster link, so the test takes seconds; the same code paths run. No directory given:
        // the demo makes a temporary one, says where, and removes it at the end.
        var options = new DemoOptions { OneWayDelay = TimeSpan.FromMilliseconds(20), BytesPerSecond = 200_000 };
        int exit = await new DemoRunner(console.Console, options).RunAsync();

        var lines = console.Output.TrimEnd().Split('\n').Select(l => l.TrimEnd()).ToArray();
        Assert.Equal(0, exit);
        Assert.StartsWith("converged: yes", lines[^1]);
        Assert.Contains(lines, l => l.Contains("link dropped mid-transfer"));
        Assert.Contains(lines, l => l.Contains("budget hit"));
        // Every node holds 3 x 35 events and the same state hash.
        string hash = lines[^1].Split(' ')[^1];
        Assert.Equal(4, lines.Count(l => l.Contains("│") && l.Contains(" 105 ") && l.Contains(hash)));

        // Not a terminal: no progress bar leftovers, and no message broken over two lines.
        Assert.DoesNotContain(lines, l => l.Contains('%'));
        Assert.Contains(lines, l => l.Contains("link dropped mid-transfer: ") && l.EndsWith('.'));

        // The byte columns add up: what one side sent, the other received, but for what the cut dropped in flight.
        var numbers = System.Text.RegularExpressions.Regex.Matches(lines.Single(l => l.StartsWith("bytes: ")), @"\d[\d,]*")
            .Select(m => long.Parse(m.Value.Replace(",", ""), CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(4, numbers.Length);
        long upLost = numbers[0] - numbers[1], downLost = numbers[2] - numbers[3];
        Assert.InRange(upLost, 0, options.BudgetBytes);
        Assert.InRange(downLost, 0, options.BudgetBytes);
        if (upLost + downLost > 0)
            Assert.Contains(lines, l => l.Contains(string.Create(CultureInfo.InvariantCulture, $"{upLost + downLost:N0} B were in flight when the link was cut"), StringComparison.Ordinal));

        string root = lines.Single(l => l.StartsWith("Nodes live in ")).Split(' ')[3];
        Assert.False(Directory.Exists(root), $"the demo left {root} behind");
        Assert.Contains("--keep keeps them", lines.Single(l => l.StartsWith("Nodes live in ")));
    }
}
