using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace ZamSync.Generators.Diagnostics.Determinism;

/// <summary>
/// The framework members whose result differs between nodes or between two folds of the same log: the wall clock
/// (ZS6001), randomness and per-process hash seeds (ZS6002), and the machine, its files, network, console and
/// processes (ZS6003). Types are resolved once per compilation by metadata name, so a user type that happens to be
/// called <c>Random</c> is never mistaken for <c>System.Random</c>.
/// </summary>
internal sealed class NondeterministicApis
{
    /// <summary>A type's rule, and the members it applies to (null: every member).</summary>
    private readonly struct Entry(DiagnosticDescriptor rule, HashSet<string>? members)
    {
        public DiagnosticDescriptor Rule { get; } = rule;
        public HashSet<string>? Members { get; } = members;
    }

    // Several entries per type: Environment.TickCount is the clock, the rest of Environment is the machine.
    private readonly Dictionary<INamedTypeSymbol, List<Entry>> _byType = new(SymbolEqualityComparer.Default);

    // Classes whose derived types are just as nondeterministic (a FakeTimeProvider still is not the event's time).
    private readonly List<(INamedTypeSymbol Type, DiagnosticDescriptor Rule)> _bases = new();

    private readonly HashSet<string> _networkNamespaces = new(System.StringComparer.Ordinal)
    {
        "System.Net.Http", "System.Net.Sockets", "System.Net.NetworkInformation", "System.Net.WebSockets",
        "System.Net.Mail", "System.Net.Security", "System.Net.Quic",
    };

    private static readonly HashSet<string> NetworkLeaves = new(System.StringComparer.Ordinal)
    {
        "Http", "Sockets", "NetworkInformation", "WebSockets", "Mail", "Security", "Quic",
    };

    private readonly INamedTypeSymbol? _object;

    public NondeterministicApis(Compilation compilation)
    {
        var clock = DiagnosticDescriptors.ApplyReadsClock;
        var random = DiagnosticDescriptors.ApplyUsesRandomness;
        var machine = DiagnosticDescriptors.ApplyUsesEnvironment;

        void Add(string metadataName, DiagnosticDescriptor rule, params string[] members)
        {
            if (compilation.GetTypeByMetadataName(metadataName) is not { } type) return;
            if (!_byType.TryGetValue(type, out var entries)) _byType[type] = entries = new List<Entry>();
            entries.Add(new Entry(rule, members.Length == 0 ? null : new HashSet<string>(members, System.StringComparer.Ordinal)));
        }

        void AddBase(string metadataName, DiagnosticDescriptor rule)
        {
            if (compilation.GetTypeByMetadataName(metadataName) is { } type) _bases.Add((type, rule));
        }

        Add("System.DateTime", clock, "Now", "UtcNow", "Today");
        Add("System.DateTimeOffset", clock, "Now", "UtcNow");
        Add("System.Diagnostics.Stopwatch", clock);
        Add("System.Environment", clock, "TickCount", "TickCount64");
        AddBase("System.TimeProvider", clock);

        AddBase("System.Random", random);
        AddBase("System.Security.Cryptography.RandomNumberGenerator", random);
        Add("System.Guid", random, "NewGuid", "CreateVersion7");
        // String and identity hash codes are seeded per process: the same text hashes differently on every node.
        Add("System.HashCode", random);
        Add("System.String", random, "GetHashCode");
        Add("System.Runtime.CompilerServices.RuntimeHelpers", random, "GetHashCode");
        _object = compilation.GetSpecialType(SpecialType.System_Object);

        // Environment: everything not listed as the clock above (machine name, variables, NewLine, processor count...).
        Add("System.Environment", machine);
        Add("System.DateTime", machine, "ToLocalTime", "ToUniversalTime");
        Add("System.DateTimeOffset", machine, "ToLocalTime", "LocalDateTime");
        Add("System.TimeZoneInfo", machine, "Local", "FindSystemTimeZoneById", "TryFindSystemTimeZoneById", "GetSystemTimeZones", "ClearCachedData");
        foreach (var name in new[] { "File", "Directory", "FileInfo", "DirectoryInfo", "FileSystemInfo", "FileStream", "DriveInfo", "FileSystemWatcher", "Path", "RandomAccess" })
        {
            Add("System.IO." + name, machine);
        }
        Add("System.Console", machine);
        Add("System.Diagnostics.Process", machine);
        Add("System.Net.Dns", machine);
        Add("System.Net.WebClient", machine);
        Add("System.Net.HttpListener", machine);
        AddBase("System.Net.WebRequest", machine);
        Add("Microsoft.Win32.Registry", machine);
        Add("Microsoft.Win32.RegistryKey", machine);
    }

    /// <summary>The rule a use of <paramref name="member"/> breaks, or null.</summary>
    public DiagnosticDescriptor? Classify(ISymbol member)
    {
        if (member.ContainingType is not { } type) return null;
        var original = type.OriginalDefinition;
        if (_byType.TryGetValue(original, out var entries))
        {
            foreach (var entry in entries)
            {
                if (entry.Members is null || entry.Members.Contains(member.Name)) return entry.Rule;
            }
        }
        // object.GetHashCode not overridden: the identity hash, which differs per process.
        if (member is IMethodSymbol { Name: "GetHashCode", Parameters.Length: 0 } && SymbolEqualityComparer.Default.Equals(original, _object))
            return DiagnosticDescriptors.ApplyUsesRandomness;
        if (_bases.Count > 0 && original.TypeKind == TypeKind.Class)
        {
            for (var t = original; t is not null; t = t.BaseType)
            {
                foreach (var (baseType, rule) in _bases)
                {
                    if (SymbolEqualityComparer.Default.Equals(t, baseType)) return rule;
                }
            }
        }
        // The leaf name first: building the namespace's full name for every member use would cost more than the rest.
        if (original.TypeKind != TypeKind.Enum && original.ContainingNamespace is { } ns && NetworkLeaves.Contains(ns.Name)
            && _networkNamespaces.Contains(Parsing.SymbolHelpers.NamespaceName(ns)))
            return DiagnosticDescriptors.ApplyUsesEnvironment;
        return null;
    }
}
