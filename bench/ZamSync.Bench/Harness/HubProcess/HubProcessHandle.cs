using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Threading.Channels;

namespace ZamSync.Bench.Harness.HubProcess;

/// <summary>
/// The benchmark's side of a hub process: starts this same executable in <see cref="HubChild"/> mode, sends it
/// commands, and reads its answers. Disposing asks it to quit and waits for it (killing only this child, by its
/// handle, if it does not exit).
/// </summary>
internal sealed class HubProcessHandle : IAsyncDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly Channel<(string Verb, IReadOnlyDictionary<string, string> Fields)> _answers =
        Channel.CreateUnbounded<(string, IReadOnlyDictionary<string, string>)>();
    private readonly Task _reading;
    private readonly Task _readingErrors;

    private HubProcessHandle(Process process, TextWriter log)
    {
        _process = process;
        _reading = Task.Run(async () =>
        {
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync().ConfigureAwait(false)) is not null)
            {
                if (HubProtocol.TryParse(line, out var verb, out var fields)) _answers.Writer.TryWrite((verb, fields));
                else log.WriteLine("    [hub] " + line);
            }
            _answers.Writer.TryComplete();
        });
        _readingErrors = Task.Run(async () =>
        {
            string? line;
            while ((line = await process.StandardError.ReadLineAsync().ConfigureAwait(false)) is not null)
                Console.Error.WriteLine("    [hub] " + line);
        });
    }

    public int ProcessId => _process.Id;

    /// <summary>Where the hub accepts sessions.</summary>
    public IPEndPoint Hub { get; private set; } = null!;

    /// <summary>Where the raw-copy baseline's sink accepts connections (the same process).</summary>
    public IPEndPoint Sink { get; private set; } = null!;

    public static async Task<HubProcessHandle> StartAsync(HubKind kind, string directory, NodeId node, int clinics, TextWriter log, params string[] extra)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? throw new InvalidOperationException("No executable path to start the hub process from."),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Run as `dotnet ZamSync.Bench.dll`, the executable is the host: the child then needs the assembly too.
        if (Path.GetFileNameWithoutExtension(start.FileName).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(typeof(HubChild).Assembly.Location);
        foreach (var argument in new[]
        {
            HubChild.Flag, "--kind", kind.ToString(), "--dir", directory,
            "--node", node.Value.ToString(CultureInfo.InvariantCulture), "--clinics", clinics.ToString(CultureInfo.InvariantCulture),
        })
            start.ArgumentList.Add(argument);
        foreach (var argument in extra) start.ArgumentList.Add(argument);

        var process = Process.Start(start) ?? throw new InvalidOperationException("The hub process did not start.");
        var handle = new HubProcessHandle(process, log);
        try
        {
            var ready = await handle.ExpectAsync("ready").ConfigureAwait(false);
            handle.Hub = IPEndPoint.Parse(ready["hub"]);
            handle.Sink = IPEndPoint.Parse(ready["sink"]);
            return handle;
        }
        catch
        {
            await handle.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends <paramref name="command"/> and returns the fields of the answer, which must have the same verb.</summary>
    public async Task<IReadOnlyDictionary<string, string>> CommandAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        return await ExpectAsync(command).ConfigureAwait(false);
    }

    private async Task<IReadOnlyDictionary<string, string>> ExpectAsync(string verb)
    {
        using var timeout = new CancellationTokenSource(AnswerTimeout);
        try
        {
            var (got, fields) = await _answers.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            if (got != verb) throw new InvalidOperationException($"The hub process answered '{got}' ({string.Join(' ', fields)}) where '{verb}' was expected.");
            return fields;
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"The hub process ended before answering '{verb}' (see its output above).");
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The hub process did not answer '{verb}' within {AnswerTimeout.TotalSeconds:N0} s.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("quit").ConfigureAwait(false);
                _process.StandardInput.Close();
            }
        }
        catch (IOException)
        {
            // It already went away.
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(_reading, _readingErrors).ConfigureAwait(false);
        _process.Dispose();
    }

    /// <summary>A numeric field of an answer.</summary>
    public static long Number(IReadOnlyDictionary<string, string> fields, string key) =>
        long.Parse(fields[key], CultureInfo.InvariantCulture);
}
