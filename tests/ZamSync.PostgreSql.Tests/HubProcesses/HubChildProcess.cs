using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using ZamSync.Net.Tls;

namespace ZamSync.PostgreSql.Tests.HubProcesses;

/// <summary>Where a hub process's files and certificates are, and which database schema it serves.</summary>
internal sealed record HubProcessSetup(string ConnectionString, string Schema, NodeId Hub, string CertificatePath, string AuthorityPath)
{
    /// <summary>Issues the hub's certificate from <paramref name="authority"/> and writes it and the CA into <paramref name="directory"/>.</summary>
    public static async Task<HubProcessSetup> CreateAsync(TestDatabase db, NodeId hub, X509Certificate2 authority, string directory)
    {
        string certificate = Path.Combine(directory, "hub.pfx"), authorityPath = Path.Combine(directory, "ca.der");
        using (var hubCertificate = ZamPki.IssueCertificate(authority, hub, NodeRole.Hub))
            await File.WriteAllBytesAsync(certificate, hubCertificate.Export(X509ContentType.Pkcs12));
        await File.WriteAllBytesAsync(authorityPath, authority.Export(X509ContentType.Cert));
        return new HubProcessSetup(db.ConnectionString, db.Options.Schema, hub, certificate, authorityPath);
    }
}

/// <summary>
/// One hub process of tests/ZamSync.PgHubChild, a real separate OS process: started under a process name (its own
/// data directory), talked to through lines on stdin and stdout, killed with SIGKILL and started again under the same
/// name. Only whole, newline-terminated lines count: a line cut by the kill was not printed.
/// </summary>
internal sealed class HubChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder _stderr = new();
    private readonly Task _stdoutDrained;

    private HubChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _stdoutDrained = Task.Run(DrainStdoutAsync);
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
    }

    /// <summary>The child's entry assembly, where this build put it (recorded in this assembly by the test project).</summary>
    public static string DllPath { get; } = Locate();

    public string Name { get; }

    /// <summary>Where the hub listens (<c>127.0.0.1:port</c>), once <see cref="StartAsync"/> returned.</summary>
    public string Address { get; private set; } = "";

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    private static string Locate() => ZamSync.Tests.Support.ChildAssemblies.Locate(typeof(HubChildProcess).Assembly, "ZamSync.PgHubChild", "RecordPgHubChildPath");

    private static string DotnetHost() => ZamSync.Tests.Support.ChildAssemblies.DotnetHost();

    /// <summary>Starts process <paramref name="name"/> on <paramref name="dataDirectory"/> and waits until it serves.</summary>
    public static async Task<HubChildProcess> StartAsync(HubProcessSetup setup, string name, string dataDirectory)
    {
        var info = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            DllPath, "--dir", dataDirectory, "--node", setup.Hub.Value.ToString(CultureInfo.InvariantCulture),
            "--postgres", setup.ConnectionString, "--schema", setup.Schema,
            "--cert", setup.CertificatePath, "--ca", setup.AuthorityPath, "--name", name,
        ];
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var child = new HubChildProcess(name, Process.Start(info) ?? throw new InvalidOperationException("the hub process did not start"));
        var ready = (await child.NextLineAsync("ready")).Split(' ');
        child.Address = ready[1];
        return child;
    }

    /// <summary>Has the process submit <paramref name="count"/> events of the hub's own; returns what it acknowledged.</summary>
    public async Task<List<EventEnvelope>> SubmitAsync(NodeId hub, int count)
    {
        await _process.StandardInput.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"submit {count}"));
        await _process.StandardInput.FlushAsync();
        var acked = new List<EventEnvelope>();
        while (true)
        {
            var parts = (await NextLineAsync("acked", "submitted")).Split(' ');
            if (parts[0] == "submitted") return acked;
            acked.Add(new EventEnvelope(hub, ulong.Parse(parts[1], CultureInfo.InvariantCulture),
                new Hlc(long.Parse(parts[2], CultureInfo.InvariantCulture), uint.Parse(parts[3], CultureInfo.InvariantCulture)),
                uint.Parse(parts[4], CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes(parts[5])));
        }
    }

    /// <summary>The number of events the process's state folded and the state's <c>LedgerState.Hash()</c>.</summary>
    public async Task<(int Count, string Hash)> StateAsync()
    {
        await _process.StandardInput.WriteLineAsync("state");
        await _process.StandardInput.FlushAsync();
        var parts = (await NextLineAsync("state")).Split(' ');
        return (int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2]);
    }

    /// <summary>SIGKILL (what <see cref="Process.Kill()"/> sends on Unix): no finally blocks, no flush, no dispose, no goodbye to the database.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    /// <summary>The exit code once exited: 137 (128 + SIGKILL) after <see cref="Kill"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Asks the process to stop (hub, engine, pool closed cleanly) and waits for it to exit.</summary>
    public async Task QuitAsync()
    {
        if (_process.HasExited) return;
        try
        {
            await _process.StandardInput.WriteLineAsync("quit");
            await _process.StandardInput.FlushAsync();
        }
        catch (IOException)
        {
            // It exited meanwhile.
        }
        using var patience = new CancellationTokenSource(Patience);
        try
        {
            await _process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>The next line that starts with one of <paramref name="verbs"/>; fails with the child's stderr if it exits first.</summary>
    private async Task<string> NextLineAsync(params string[] verbs)
    {
        using var patience = new CancellationTokenSource(Patience);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(patience.Token))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    if (verbs.Any(v => line.StartsWith(v + " ", StringComparison.Ordinal))) return line;
                    if (line.StartsWith("error ", StringComparison.Ordinal)) throw new InvalidOperationException($"Hub process {Name}: {line}");
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Hub process {Name} printed no '{string.Join("' or '", verbs)}' line in {Patience.TotalSeconds} s. Stderr: {Stderr}");
        }
        await _process.WaitForExitAsync();
        throw new InvalidOperationException($"Hub process {Name} exited ({_process.ExitCode}) before printing '{string.Join("' or '", verbs)}'. Stderr: {Stderr}");
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
                if (buffer[i] != (byte)'\n')
                {
                    pending.Add(buffer[i]);
                    continue;
                }
                _lines.Writer.TryWrite(Encoding.UTF8.GetString(pending.ToArray()));
                pending.Clear();
            }
        }
        _lines.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        await _stdoutDrained.WaitAsync(Patience).ContinueWith(_ => { });
        _process.Dispose();
    }
}
