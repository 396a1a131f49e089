using System.Reflection;

namespace ZamSync.Generators.Tests;

public class GeneratorAssemblyTests
{
    // A generator compiled against a newer Roslyn than the SDK's compiler is silently skipped by the
    // build (warning CS9057) and every consumer then fails with confusing errors. The SDK here ships
    // Roslyn 5.9; 4.11 loads in every .NET 9/10 SDK. This guards the pin in Directory.Packages.props.
    [Fact]
    public void Generator_is_built_against_a_roslyn_every_supported_sdk_can_load()
    {
        var generator = Assembly.Load("ZamSync.Generators");
        var roslyn = generator.GetReferencedAssemblies().Single(a => a.Name == "Microsoft.CodeAnalysis");

        Assert.True(roslyn.Version <= new Version(4, 11, 0, 0), $"ZamSync.Generators references Microsoft.CodeAnalysis {roslyn.Version}");
        Assert.Equal(".NETStandard,Version=v2.0", generator.GetCustomAttribute<System.Runtime.Versioning.TargetFrameworkAttribute>()?.FrameworkName);
    }
}
