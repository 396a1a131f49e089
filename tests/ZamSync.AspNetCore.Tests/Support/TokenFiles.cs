namespace ZamSync.AspNetCore.Tests.Support;

/// <summary>Writes a token file with the mode a test wants.</summary>
public static class TokenFiles
{
    public static string Write(string directory, string contents, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(directory, "api-tokens");
        File.WriteAllText(path, contents);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
        return path;
    }
}
