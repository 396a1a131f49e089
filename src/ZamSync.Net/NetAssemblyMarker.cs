namespace ZamSync.Net;

/// <summary>Anchors the assembly until the transport lands (issue [3]); referenced from tests only.</summary>
internal static class NetAssemblyMarker
{
    internal static readonly Type Port = typeof(ISyncTransport);
}
