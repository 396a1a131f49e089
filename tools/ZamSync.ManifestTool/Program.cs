using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

// Updates a project's contract manifest (zamsync.contract.txt) from its code. Two ways in:
//
//   ZamSync.ManifestTool write <assembly> <manifest path>
//     what `dotnet build -p:ZamSyncUpdateManifest=true` runs after the compiler (the ZamSyncWriteManifest target in
//     ZamSync.Runtime.targets; the ZamSync.Runtime package carries this tool under tools/manifest/). It reads the
//     constant ZamSync.Generated.ZamContracts.Manifest (the committed manifest merged with the code, computed by the
//     generator) from the just-compiled assembly's metadata, without loading it, and writes it. An assembly without a
//     contract (a host project that only references the contracts) is left alone: a solution-wide build passes the
//     switch to every project.
//
//   dotnet run --project tools/ZamSync.ManifestTool -- path/to/Contracts.csproj
//     for projects inside this repository, which import only ZamSync.Runtime.props: builds the project with
//     -p:ZamSyncUpdateManifest=true, then does the same read and write.
//
// In the update build the analyzer lets through the rules an update resolves (removed or unrecorded members and
// events) and still fails on those it never accepts (a type change, an id reused, a retired id or slot used again),
// so nothing is written for those.
// Exit codes: 0 written, unchanged or (write) no contract; 1 the build failed; 2 bad arguments or (project) no
// contract in the assembly.

const string FileName = "zamsync.contract.txt";

if (args.Length == 3 && args[0] == "write")
{
    if (!File.Exists(args[1]))
    {
        Console.Error.WriteLine($"no such assembly: {args[1]}");
        return 2;
    }
    string? proposed = ReadManifestConstant(args[1]);
    // Silent: in a solution-wide update build most projects only reference the contracts.
    if (proposed is null) return 0;
    WriteManifest(Path.GetFullPath(args[2]), proposed);
    return 0;
}
if (args.Length != 1 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: ZamSync.ManifestTool <project.csproj | project directory>");
    Console.Error.WriteLine("       ZamSync.ManifestTool write <assembly> <manifest path>");
    return 2;
}

string project = Path.GetFullPath(args[0]);
if (Directory.Exists(project))
{
    var projects = Directory.GetFiles(project, "*.csproj");
    if (projects.Length != 1)
    {
        Console.Error.WriteLine($"expected one .csproj in {project}, found {projects.Length}");
        return 2;
    }
    project = projects[0];
}
if (!File.Exists(project))
{
    Console.Error.WriteLine($"no such project: {project}");
    return 2;
}

var (buildExit, _) = Dotnet(echo: true, "build", project, "-nologo", "-p:ZamSyncUpdateManifest=true");
if (buildExit != 0)
{
    Console.Error.WriteLine("The update build failed; the manifest was not changed. ZS5xxx errors above are changes an update never accepts.");
    return 1;
}
var (pathExit, targetPath) = Dotnet(echo: false, "msbuild", project, "-nologo", "-getProperty:TargetPath", "-p:ZamSyncUpdateManifest=true");
targetPath = targetPath.Trim();
if (pathExit != 0 || !File.Exists(targetPath))
{
    Console.Error.WriteLine($"cannot find the built assembly ('{targetPath}')");
    return 2;
}

string? manifest = ReadManifestConstant(targetPath);
if (manifest is null)
{
    Console.Error.WriteLine($"{Path.GetFileName(targetPath)} has no ZamSync.Generated.ZamContracts.Manifest: does the project declare a [ZamEvent] and reference the ZamSync generator?");
    return 2;
}

WriteManifest(Path.Combine(Path.GetDirectoryName(project)!, FileName), manifest);
return 0;

static void WriteManifest(string output, string manifest)
{
    string? previous = File.Exists(output) ? File.ReadAllText(output).Replace("\r\n", "\n") : null;
    if (previous == manifest)
    {
        Console.WriteLine($"{output} is up to date.");
        return;
    }
    File.WriteAllText(output, manifest);
    Console.WriteLine(previous is null ? $"Created {output}." : $"Updated {output}; review the diff before committing it.");
}

static (int Exit, string Output) Dotnet(bool echo, params string[] arguments)
{
    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var a in arguments) start.ArgumentList.Add(a);
    using var process = Process.Start(start)!;
    var text = new System.Text.StringBuilder();
    while (process.StandardOutput.ReadLine() is { } line)
    {
        text.AppendLine(line);
        if (echo) Console.WriteLine(line);
    }
    process.WaitForExit();
    return (process.ExitCode, text.ToString());
}

static string? ReadManifestConstant(string assemblyPath)
{
    using var stream = File.OpenRead(assemblyPath);
    using var pe = new PEReader(stream);
    var reader = pe.GetMetadataReader();
    foreach (var handle in reader.TypeDefinitions)
    {
        var type = reader.GetTypeDefinition(handle);
        if (reader.GetString(type.Namespace) != "ZamSync.Generated" || reader.GetString(type.Name) != "ZamContracts") continue;
        foreach (var fieldHandle in type.GetFields())
        {
            var field = reader.GetFieldDefinition(fieldHandle);
            if (reader.GetString(field.Name) != "Manifest") continue;
            var constant = field.GetDefaultValue();
            if (constant.IsNil) return null;
            var value = reader.GetConstant(constant);
            if (value.TypeCode != ConstantTypeCode.String) return null;
            var blob = reader.GetBlobReader(value.Value);
            return blob.ReadUTF16(blob.Length);
        }
    }
    return null;
}
