using Clinic.Demo;

namespace Clinic.Tests;

public class DemoTests
{
    [Fact]
    public async Task The_demo_converges_through_a_cut_and_budgets_and_says_so_on_its_last_line()
    {
        var console = new TestConsole();
        var dir = Path.Combine(Path.GetTempPath(), "zamsync-demo-test-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // The real story on a faster link, so the test takes seconds; the same code paths run.
            var options = new DemoOptions { Directory = dir, OneWayDelay = TimeSpan.FromMilliseconds(20), BytesPerSecond = 200_000 };
            int exit = await new DemoRunner(console.Console, options).RunAsync();

            var lines = console.Output.TrimEnd().Split('\n').Select(l => l.TrimEnd()).ToArray();
            Assert.Equal(0, exit);
            Assert.StartsWith("converged: yes", lines[^1]);
            Assert.Contains(lines, l => l.Contains("link dropped mid-transfer"));
            Assert.Contains(lines, l => l.Contains("budget hit"));
            // Every node holds 3 x 35 events and the same state hash.
            string hash = lines[^1].Split(' ')[^1];
            Assert.Equal(4, lines.Count(l => l.Contains("│") && l.Contains(" 105 ") && l.Contains(hash)));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
