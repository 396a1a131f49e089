using ClinicApp.Contracts;
using Microsoft.Extensions.Hosting;
using ZamSync;

namespace ClinicApp.Node;

/// <summary>
/// Records a sample patient and visit the first time the node starts: only when this node has recorded nothing yet,
/// so a restart does not record them again. Registered before the replicator, so the first sync carries them.
/// Replace it with your application's own services, which submit through <see cref="ZamEngine{TState}"/>.
/// </summary>
public sealed class SampleVisits(ZamSync.Hosting.Node.ZamNode<ClinicState> node) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var clinic = await node.WhenOpen.WaitAsync(cancellationToken);
        if (clinic.Known[clinic.NodeId] > 0) return;
        // Durable when SubmitAsync returns, whether or not the hub is reachable.
        string patient = $"P-{clinic.NodeId}-001";
        await clinic.SubmitAsync(new PatientRegistered(patient, "Dorji", new DateOnly(1990, 4, 2)), cancellationToken);
        await clinic.SubmitAsync(new VitalsRecorded(patient, 120, 80), cancellationToken);
        Console.WriteLine($"node {clinic.NodeId} recorded 2 sample events");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
