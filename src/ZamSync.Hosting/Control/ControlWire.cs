using System.Buffers;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace ZamSync.Hosting.Control;

/// <summary>
/// The control protocol's framing: each request and each answer is one UTF-8 JSON object on one line, so a person can
/// speak it with <c>socat</c> and a script with any JSON library. Reads are bounded: a line longer than the limit is
/// refused without buffering it (docs/hosting.md, "Control endpoint").
/// </summary>
internal sealed class ControlWire(Socket socket, int maxLineBytes)
{
    private readonly byte[] _buffer = new byte[Math.Min(maxLineBytes + 1, 64 * 1024)];
    private int _start;
    private int _end;

    /// <summary>Reads the next line as a JSON object, or null when the peer closed the connection between lines.</summary>
    public async ValueTask<JsonObject?> ReadAsync(CancellationToken cancellationToken)
    {
        var line = new ArrayBufferWriter<byte>();
        while (true)
        {
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            int take = (newline < 0 ? _end : newline) - _start;
            if (line.WrittenCount + take > maxLineBytes)
                throw new ControlException($"A control message is longer than the {maxLineBytes}-byte limit.");
            _buffer.AsSpan(_start, take).CopyTo(line.GetSpan(take));
            line.Advance(take);
            _start += take;
            if (newline >= 0)
            {
                _start++; // the newline itself
                return Parse(line.WrittenMemory);
            }
            _start = _end = 0;
            int read = await socket.ReceiveAsync(_buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (line.WrittenCount == 0) return null;
                throw new ControlException("The control connection closed in the middle of a message.");
            }
            _end = read;
        }
    }

    public async ValueTask WriteAsync(JsonObject message, CancellationToken cancellationToken)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");
        int sent = 0;
        while (sent < bytes.Length)
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    private static JsonObject Parse(ReadOnlyMemory<byte> line)
    {
        try
        {
            return JsonNode.Parse(line.Span) as JsonObject ?? throw new ControlException("A control message must be a JSON object.");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ControlException($"A control message is not valid JSON: {ex.Message}", ex);
        }
    }
}
