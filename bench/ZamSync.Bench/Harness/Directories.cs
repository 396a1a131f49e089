using ZamSync.Storage;

namespace ZamSync.Bench.Harness;

internal static class Directories
{
    /// <summary>Copies a closed engine's data directory (not its lock file), so every repetition starts from the same bytes.</summary>
    public static void CopyClosedEngine(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            string name = Path.GetFileName(file);
            if (name == DirectoryLock.FileName) continue;
            File.Copy(file, Path.Combine(to, name), overwrite: true);
        }
    }
}
