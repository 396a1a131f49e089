namespace Clinic.Tests;

/// <summary>
/// <c>serve --relay</c>: the hub stores and forwards every clinic's events without folding a state, and says so in
/// its status; the clinics' states still meet.
/// </summary>
public sealed class RelayServeTests : IDisposable
{
    private readonly Workspace _work = new();

    public void Dispose() => _work.Dispose();

    private string[] Sync(string clinic, string address) => ["sync", "--dir", _work.Dir(clinic), "--hub", address, "--hub-id", "1000"];

    [Fact]
    public async Task A_relay_hub_forwards_one_clinics_patient_to_another_and_reports_no_state()
    {
        await _work.InitDeploymentAsync();
        await Workspace.Succeed("init", "--dir", _work.Dir("other"), "--node", "8", "--name", "trashigang");
        await Workspace.Succeed("issue", "--hub-dir", _work.Dir("hub"), "--dir", _work.Dir("other"));

        await using (var hub = await _work.ServeAsync("hub", "--relay"))
        {
            Assert.Contains("(relay: no state)", hub.Console.Output);
            await Workspace.Succeed(Sync("clinic", hub.Address));
            await Workspace.Succeed(Sync("other", hub.Address));

            string relayStatus = await _work.StatusAsync("hub"); // answered by the running relay
            Assert.Contains("relay: stores and forwards", relayStatus);
            Assert.DoesNotContain("patients", relayStatus);

            var submit = new TestConsole(); // a relay records nothing of its own
            Assert.Equal(1, await submit.RunAsync("submit", "register", "--dir", _work.Dir("hub"), "--patient", "P-9", "--name", "Karma", "--born", "1970-01-01"));
            Assert.Contains("clinic.submit", submit.Errors);
        }
        Assert.Contains("1 patients, 1 events applied", await _work.StatusAsync("other"));
        Assert.Contains("1 patients, 1 events applied", await _work.StatusAsync("hub")); // a relay's directory opens with a state later
    }
}
