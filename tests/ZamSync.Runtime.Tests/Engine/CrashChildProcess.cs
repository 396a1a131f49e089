using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace ZamSync.Tests.Engine;

/// <summary>One acknowledged event as the child printed it.</summary>
public readonly record struct ChildAck(ulong Sequence, string Payload);

/// <summary>
/// Runs tests/ZamSync.CrashChild (<c>dotnet ZamSync.CrashChild.dll dir node tasks</c>) and collects the
/// complete lines it printed. Only whole, newline-terminated lines count: a line cut by the kill is not an
/// acknowledgement.
/// </summary>
public sealed class CrashChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _firstAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stdoutDrained;

    private CrashChildProcess(Process process)
    {
        _process = process;
        _stdoutDrained = Task.Run(DrainStdoutAsync);
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
    }

    /// <summary>The child's entry assembly, where this build put it (recorded in this assembly by the test project).</summary>
    public static string DllPath { get; } = Locate();

    public int Id => _process.Id;

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    private static string Locate() => ZamSync.Tests.Support.ChildAssemblies.Locate(typeof(CrashChildProcess).Assembly, "ZamSync.CrashChild", "RecordCrashChildPath");

    private static string DotnetHost() => ZamSync.Tests.Support.ChildAssemblies.DotnetHost();

    public static CrashChildProcess Start(string directory, ulong node, int tasks)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { DllPath, directory, node.ToString(CultureInfo.InvariantCulture), tasks.ToString(CultureInfo.InvariantCulture), "60" })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("the child did not start");
        return new CrashChildProcess(process);
    }

    private async Task DrainStdoutAsync()
    {
        var stream = _process.StandardOutput.BaseStream;
        var buffer = new byte[8192];
        var pending = new List<byte>();
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] != (byte)'\n') { pending.Add(buffer[i]); continue; }
                string line = Encoding.UTF8.GetString(pending.ToArray());
                pending.Clear();
                lock (_lines) _lines.Add(line);
                if (line.StartsWith("ack ", StringComparison.Ordinal)) _firstAck.TrySetResult();
            }
        }
        _firstAck.TrySetResult(); // exited: let a waiter look at what there is
    }

    /// <summary>True once the child acknowledged an event; false if it exited first or the time ran out.</summary>
    public async Task<bool> WaitForFirstAckAsync(TimeSpan timeout)
    {
        await Task.WhenAny(_firstAck.Task, Task.Delay(timeout));
        lock (_lines) return _lines.Any(l => l.StartsWith("ack ", StringComparison.Ordinal));
    }

    /// <summary>SIGKILL (what <see cref="Process.Kill()"/> sends on Unix): no finally blocks, no flush, no dispose.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    /// <summary>Every complete line, once the child has exited and its stdout is drained.</summary>
    public async Task<IReadOnlyList<string>> LinesAsync()
    {
        await _stdoutDrained.WaitAsync(TimeSpan.FromSeconds(30));
        lock (_lines) return _lines.ToList();
    }

    public async Task<IReadOnlyList<ChildAck>> AcksAsync() =>
        (await LinesAsync())
            .Where(l => l.StartsWith("ack ", StringComparison.Ordinal))
            .Select(l => l.Split(' '))
            .Select(p => new ChildAck(ulong.Parse(p[1], CultureInfo.InvariantCulture), p[2]))
            .ToList();

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) Kill();
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
