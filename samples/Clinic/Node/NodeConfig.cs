using System.Text.Json;
using System.Text.Json.Serialization;

namespace Clinic.Node;

/// <summary>What <c>init</c> records in a node's directory, so later commands need only <c>--dir</c>.</summary>
public sealed record NodeConfig(ulong NodeId, NodeKind Kind, string Name)
{
    public const string FileName = "node.json";

    /// <summary>The data key's file when the log is encrypted at rest (<c>init --encrypt</c>); null for a plain log.</summary>
    public string? DataKeyFile { get; init; }

    public static NodeConfig Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            throw new UserError($"'{directory}' is not a ZamSync node directory (no {FileName}). Run `init` first.");
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), NodeConfigJson.Default.NodeConfig)
                   ?? throw new UserError($"{path}: empty node configuration.");
        }
        catch (JsonException ex)
        {
            throw new UserError($"{path}: not a valid node configuration ({ex.Message.Split('.')[0]}).");
        }
    }

    public void Save(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, NodeConfigJson.Default.NodeConfig));
}

[JsonConverter(typeof(JsonStringEnumConverter<NodeKind>))]
public enum NodeKind
{
    Clinic,
    Hub,
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(NodeConfig))]
internal sealed partial class NodeConfigJson : JsonSerializerContext;

/// <summary>A mistake in the command line that parsing alone cannot see (two values that contradict): exit code 2.</summary>
public sealed class UsageMistake(string message) : Exception(message);

/// <summary>A mistake the operator can fix: printed as one clear line, exit code 1.</summary>
public sealed class UserError : Exception
{
    public UserError(string message) : base(message) { }

    /// <summary>A failure underneath, explained: <paramref name="cause"/> stays attached for a debugger.</summary>
    public UserError(string message, Exception cause) : base(message, cause) { }
}
