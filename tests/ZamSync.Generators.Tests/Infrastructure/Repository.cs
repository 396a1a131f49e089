using System.Runtime.CompilerServices;

namespace ZamSync.Generators.Tests.Infrastructure;

/// <summary>The repository the tests were built from (docs, samples, projects the tests read or build).</summary>
public static class Repository
{
    /// <summary>The repository root: this file lives in tests/ZamSync.Generators.Tests/Infrastructure.</summary>
    public static string Root { get; } = Locate();

    private static string Locate([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", ".."));
}
