namespace ZamSync.Net.Tests;

public class ProjectWiringTests
{
    // ZamSync.Net carries the runtime's sessions: it must see the transport port it implements.
    [Fact]
    public void Net_assembly_builds_on_the_runtime_transport_port()
    {
        var net = typeof(ZamSync.Net.NetAssemblyMarker).Assembly;
        Assert.Contains(net.GetReferencedAssemblies(), a => a.Name == typeof(ISyncTransport).Assembly.GetName().Name);
    }
}
