using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ZamSync.Hosting.Node;
using ZamSync.Hosting.Replication;
using ZamSync.Tests.Support;

namespace ZamSync.Hosting.Tests.Support;

/// <summary>A clinic as a service: a hosted node and its replicator, on a given clock, with certificates from the test PKI.</summary>
public static class ClinicHost
{
    public static IHost Build(string dataDirectory, ulong nodeId, TestPki pki, TimeProvider? time, Action<ZamReplicatorOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (time is not null) builder.Services.AddSingleton(time);
        var (certificate, authority) = pki.WriteNodeFiles(Path.Combine(Path.GetDirectoryName(dataDirectory)!, Path.GetFileName(dataDirectory) + "-tls"), new NodeId(nodeId));
        builder.Services.AddZamSyncNode<LedgerState>(o => { o.DataDirectory = dataDirectory; o.NodeId = nodeId; });
        builder.Services.AddZamSyncReplicator(o =>
        {
            o.CertificateFile = certificate;
            o.AuthorityFile = authority;
            configure(o);
        });
        return builder.Build();
    }

    public static ZamReplicator Replicator(this IHost host) => host.Services.GetRequiredService<ZamReplicator>();

    public static ZamEngine<LedgerState> Engine(this IHost host) => host.Services.GetRequiredService<ZamNode<LedgerState>>().Engine;
}
