using System.Net;
using ZamSync.Net.Framing;

namespace ZamSync.Net.Tcp;

/// <summary>
/// One TCP connection to one peer, as returned by <see cref="TcpTransport.AcceptSplitAsync"/> or
/// <see cref="TcpTransport.ConnectAsync"/>. Owns its stream; hand it to its own task so a hub serves many peers at
/// once. On the accepting side the peer's first handshake was already read (to learn <see cref="PeerId"/>) and is
/// delivered again as the first received message.
/// </summary>
public sealed class TcpPeerTransport : FramedStreamTransport
{
    internal TcpPeerTransport(NodeId peerId, Stream stream, EndPoint? remote, FrameOptions options)
        : base(stream, options)
    {
        PeerId = peerId;
        RemoteEndPoint = remote;
    }

    /// <summary>The peer's node id: from its handshake when accepted, as asked for when connecting.</summary>
    public NodeId PeerId { get; internal set; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>True when <see cref="PeerId"/> was proven by the peer's certificate (mutual TLS).</summary>
    public bool IdentityProven { get; internal set; }

    public override string ToString() => $"peer {PeerId} at {RemoteEndPoint}";
}
