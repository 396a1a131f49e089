namespace ZamSync.Bench.Harness;

/// <summary>The API token file a benchmark's web host reads: one coordinator token, created with mode 0600 (never readable by others, not even briefly).</summary>
internal static class TokenFile
{
    public static async Task WriteCoordinatorAsync(string path, string token)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using var file = new StreamWriter(path, System.Text.Encoding.UTF8, options);
        await file.WriteLineAsync($"{token} coordinator").ConfigureAwait(false);
    }
}
