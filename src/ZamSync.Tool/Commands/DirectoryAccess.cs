using ZamSync.Inspection;

namespace ZamSync.Tool.Commands;

/// <summary>Opens a node's directory read-only for a command, with the key file when one is named.</summary>
internal static class DirectoryAccess
{
    /// <exception cref="DataDirectoryLockedException">The node is running (ErrorText says so, exit code 1).</exception>
    public static DataDirectoryInspector Open(string directory, string? keyFile)
    {
        byte[] key = keyFile is null ? [] : KeyFile.Read(keyFile);
        try
        {
            return DataDirectoryInspector.Open(directory, key);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Fails, naming the log and what to pass, when payloads are needed and the log is encrypted without a key.</summary>
    public static void RequirePayloads(DataDirectoryInspector node)
    {
        if (!node.Log.CanReadPayloads)
            throw new ToolFailure($"the log '{node.Log.Path}' is encrypted ({node.Log.Cipher}): pass its data key with --key FILE.");
    }
}
