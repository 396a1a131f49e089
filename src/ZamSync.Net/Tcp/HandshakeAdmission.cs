using System.Net;
using System.Net.Sockets;

namespace ZamSync.Net.Tcp;

/// <summary>
/// Who may start a handshake on a listener, and with which deadline. Counts the connections in their TLS handshake
/// or first read, in total and per remote address (an IPv6 /64 counts as one address: one host owns the whole
/// prefix). Past half of <see cref="TcpTransportOptions.MaxPendingConnections"/> the listener is under pressure: an
/// address that already has <see cref="TcpTransportOptions.MaxPendingConnectionsPerAddress"/> handshakes in progress
/// gets no more, and a new connection gets <see cref="TcpTransportOptions.FirstMessageTimeoutUnderPressure"/> unless
/// its address recently completed a handshake (a known peer, perhaps on a slow link).
/// </summary>
internal sealed class HandshakeAdmission
{
    /// <summary>How many recently successful addresses are remembered (least recently seen forgotten first).</summary>
    internal const int KnownAddressCapacity = 4096;

    private readonly object _gate = new();
    private readonly Dictionary<IPAddress, int> _perAddress = new();
    private readonly HashSet<IPAddress> _refusedSinceIdle = new();
    private readonly Dictionary<IPAddress, LinkedListNode<IPAddress>> _known = new();
    private readonly LinkedList<IPAddress> _knownOrder = new();
    private readonly int _max, _perAddressMax;
    private readonly TimeSpan _normal, _underPressure;
    private int _total;

    public HandshakeAdmission(TcpTransportOptions options)
    {
        _max = options.MaxPendingConnections;
        _perAddressMax = options.MaxPendingConnectionsPerAddress;
        _normal = options.FirstMessageTimeout;
        _underPressure = _normal == Timeout.InfiniteTimeSpan || options.FirstMessageTimeoutUnderPressure < _normal
            ? options.FirstMessageTimeoutUnderPressure
            : _normal;
    }

    /// <summary>The address a bound applies to: IPv4 as is (mapped or not), IPv6 by its /64.</summary>
    public static IPAddress? KeyOf(EndPoint? remote)
    {
        if (remote is not IPEndPoint { Address: var address }) return null;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address;
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }

    /// <summary>
    /// Starts a handshake for <paramref name="key"/>: its deadline, or null when the address is at its bound under
    /// pressure. <paramref name="inAddress"/> is how many that address already has (for the refusal's message);
    /// <paramref name="firstRefusal"/> is true for the first refusal since the address last had none in progress,
    /// so a flood is logged once, not once a connection.
    /// </summary>
    public TimeSpan? TryEnter(IPAddress? key, out int inAddress, out bool firstRefusal)
    {
        lock (_gate)
        {
            inAddress = key is null ? 0 : _perAddress.GetValueOrDefault(key);
            firstRefusal = false;
            bool underPressure = _total + 1 > _max / 2;
            if (underPressure && key is not null && inAddress >= _perAddressMax)
            {
                firstRefusal = _refusedSinceIdle.Add(key);
                return null;
            }
            _total++;
            if (key is not null) _perAddress[key] = inAddress + 1;
            return underPressure && (key is null || !_known.ContainsKey(key)) ? _underPressure : _normal;
        }
    }

    /// <summary>Ends a handshake started by <see cref="TryEnter"/>; <paramref name="succeeded"/> makes the address known.</summary>
    public void Leave(IPAddress? key, bool succeeded)
    {
        lock (_gate)
        {
            _total--;
            if (key is null) return;
            int left = _perAddress[key] - 1;
            if (left == 0)
            {
                _perAddress.Remove(key);
                _refusedSinceIdle.Remove(key);
            }
            else _perAddress[key] = left;
            if (!succeeded) return;
            if (_known.TryGetValue(key, out var node))
            {
                _knownOrder.Remove(node);
                _knownOrder.AddFirst(node);
                return;
            }
            if (_known.Count >= KnownAddressCapacity)
            {
                _known.Remove(_knownOrder.Last!.Value);
                _knownOrder.RemoveLast();
            }
            _known[key] = _knownOrder.AddFirst(key);
        }
    }
}
