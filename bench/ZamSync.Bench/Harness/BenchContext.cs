namespace ZamSync.Bench.Harness;

/// <summary>What every benchmark gets: the mode, a scratch directory, a log, and shared fixtures.</summary>
internal sealed class BenchContext
{
    public BenchContext(bool quick, string workRoot, TextWriter log)
    {
        Quick = quick;
        WorkRoot = workRoot;
        Log = log;
        Fixtures = new LogFixtures(this);
        Clinics = new ClinicFixtures(this);
    }

    /// <summary>Smaller sizes and fewer repetitions (the whole run stays under two minutes).</summary>
    public bool Quick { get; }

    /// <summary>A scratch directory on a real disk (fsync must mean something); deleted at the end.</summary>
    public string WorkRoot { get; }

    public TextWriter Log { get; }

    /// <summary>Large logs built once and shared by the benchmarks that read them.</summary>
    public LogFixtures Fixtures { get; }

    /// <summary>Sets of clinic logs built once and copied for each hub run.</summary>
    public ClinicFixtures Clinics { get; }

    /// <summary>A fresh, empty directory under <see cref="WorkRoot"/>.</summary>
    public ScratchDirectory NewDirectory(string name) => new(Path.Combine(WorkRoot, name + "-" + Guid.NewGuid().ToString("N")[..8]));

    public void Info(string message) => Log.WriteLine("    " + message);
}

/// <summary>A directory that is deleted on dispose.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory(string path)
    {
        Path = path;
        Directory.CreateDirectory(path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
