using Microsoft.CodeAnalysis;

namespace ZamSync.Generators.Diagnostics;

/// <summary>
/// Every ZamSync diagnostic. Ids are reserved in blocks and never reused once retired:
/// ZS1xxx declaration shape, ZS2xxx identity, ZS3xxx members, ZS4xxx dispatch, ZS5xxx evolution (the contract manifest),
/// ZS6xxx determinism of Apply, ZS9xxx infrastructure. Each id has a page at docs/diagnostics/ZS####.md.
/// </summary>
public static class DiagnosticDescriptors
{
    private const string HelpBase = "https://github.com/zamsync/zamsync/blob/main/docs/diagnostics/";

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity, params string[] tags) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description: null, helpLinkUri: HelpBase + id + ".md", customTags: tags);

    // ---- ZS1xxx: declaration shape ----
    public static readonly DiagnosticDescriptor TypeNotPartial = Create(
        "ZS1001", "Contract type must be partial",
        "'{0}' must be declared partial so that the ZamSync generator can add its {1} code", "ZamSync.Declaration", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedTypeShape = Create(
        "ZS1002", "Contract type shape is not supported",
        "'{0}' cannot be a contract type: {1}", "ZamSync.Declaration", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MemoryPackableOnContract = Create(
        "ZS1003", "Contract type must not be [MemoryPackable]",
        "'{0}' is a ZamSync contract type; remove [MemoryPackable], the ZamSync generator writes its formatter", "ZamSync.Declaration", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NoUsableConstructor = Create(
        "ZS1004", "Event cannot be created by its formatter",
        "'{0}' cannot be created by its formatter: {1}", "ZamSync.Declaration", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor AttributeSpelling = Create(
        "ZS1005", "ZamSync attribute must be written by its own name",
        "[{0}] on '{1}' {2}; the ZamSync generator recognises its attributes by their written name", "ZamSync.Declaration", DiagnosticSeverity.Error);

    // ---- ZS2xxx: identity ----
    public static readonly DiagnosticDescriptor InvalidEventId = Create(
        "ZS2001", "Event id is invalid",
        "'{0}' {1}", "ZamSync.Identity", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor VersionWithoutUpcaster = Create(
        "ZS2003", "Event version has no upcaster",
        "'{0}' is version {1} of event {2}, but no [ZamUpcast] method converts an older version of event {2} to it; a node on this contract could not apply the old events it holds", "ZamSync.Identity", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidUpcaster = Create(
        "ZS2004", "Upcaster is invalid",
        "Upcaster '{0}' {1}", "ZamSync.Identity", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DuplicateEventId = Create(
        "ZS2002", "Event id is used twice",
        "Event id {0} of '{1}' is also used by '{2}'; every event type needs its own id", "ZamSync.Identity", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    // ---- ZS3xxx: members ----
    public static readonly DiagnosticDescriptor UnserializableMember = Create(
        "ZS3001", "Member type cannot be serialized",
        "Member '{1}' of '{0}' has type '{2}', which cannot be serialized: {3}", "ZamSync.Members", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MixedSlots = Create(
        "ZS3002", "Some members have a slot and some do not",
        "Member '{1}' of '{0}' has no [ZamMember] slot, but other members of '{0}' do; give every serialized member a slot", "ZamSync.Members", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DuplicateSlot = Create(
        "ZS3003", "Slot is used twice",
        "Member '{1}' of '{0}' uses slot {2}, already taken by '{3}'", "ZamSync.Members", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor SlotOutOfRange = Create(
        "ZS3004", "Slot is out of range",
        "Member '{1}' of '{0}' has slot {2}; slots are 0 to 248", "ZamSync.Members", DiagnosticSeverity.Error);

    // ---- ZS4xxx: dispatch ----
    public static readonly DiagnosticDescriptor ApplyWrongSignature = Create(
        "ZS4001", "Apply method has a wrong signature",
        "'{0}.{1}' is not a valid handler: {2}; use 'void Apply(TEvent e)' or 'void Apply(TEvent e, EventContext ctx)'", "ZamSync.Dispatch", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ApplyForNonEvent = Create(
        "ZS4002", "Apply handles a type that is not an event",
        "'{0}.Apply' takes '{1}', which is not a [ZamEvent] type", "ZamSync.Dispatch", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor EventNotHandled = Create(
        "ZS4003", "No state handles this event",
        "Event '{0}' (id {1}) has no Apply method in any [ZamState] of this compilation", "ZamSync.Dispatch", DiagnosticSeverity.Info,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor MissingReset = Create(
        "ZS4004", "State must declare Reset",
        "'{0}' must declare 'public void Reset()' that forgets everything; the engine calls it before a re-fold", "ZamSync.Dispatch", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DuplicateHandler = Create(
        "ZS4005", "Event is handled twice",
        "'{0}' has more than one Apply for '{1}'; keep one", "ZamSync.Dispatch", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnserializableSnapshotMember = Create(
        "ZS4006", "State snapshot member cannot be serialized",
        "Snapshot member '{1}' of state '{0}' has type '{2}', which cannot be serialized: {3}; a snapshot holds primitives, strings, enums, unmanaged structs, collections of them, [ZamEvent] and [MemoryPackable] types, and sealed records, classes and structs of this assembly (make the member non-public to keep it out of the snapshot)", "ZamSync.Dispatch", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnrestorableSnapshotMember = Create(
        "ZS4007", "State snapshot member cannot be restored",
        "Snapshot member '{1}' of state '{0}' is read-only and its type '{2}' is not a collection that ReadSnapshot can clear and fill; give it a setter (a private one is enough) or make it non-public", "ZamSync.Dispatch", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ResetCannotBeGenerated = Create(
        "ZS4008", "Reset cannot be generated",
        "'{0}' asks for a generated Reset, but {1}", "ZamSync.Dispatch", DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor DataOutsideGeneratedReset = Create(
        "ZS4009", "Generated Reset leaves non-public data",
        "'{1}' of state '{0}' is not public, so the generated Reset leaves it as it is and a re-fold starts from what it held; make it public, or write Reset yourself", "ZamSync.Dispatch", DiagnosticSeverity.Warning);

    // ---- ZS5xxx: evolution, checked against the committed contract manifest (zamsync.contract.txt) ----
    public static readonly DiagnosticDescriptor ManifestUnreadable = Create(
        "ZS5001", "Contract manifest cannot be read",
        "The contract manifest cannot be read: {0}", "ZamSync.Evolution", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor EventIdReused = Create(
        "ZS5002", "Event id is recorded for another type",
        "Event id {0} of '{1}' is recorded in the contract manifest for '{2}'; an id is never reused for another type, give '{1}' a new id", "ZamSync.Evolution", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor RetiredEventIdReused = Create(
        "ZS5003", "Retired event id is used again",
        "Event id {0} of '{1}' was retired (last used by '{2}'); a retired id is never used again, give '{1}' a new id", "ZamSync.Evolution", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor MemberRemoved = Create(
        "ZS5004", "Member removed without retiring its slot",
        "'{0}' has no member in slot {1} ('{2}: {3}' in the contract manifest); restore it, or retire the slot: run 'dotnet build -p:ZamSyncUpdateManifest=true'", "ZamSync.Evolution", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor MemberTypeChanged = Create(
        "ZS5005", "Member type changed",
        "Member '{1}' of '{0}' in slot {2} has type '{3}', but the contract manifest records '{4}'; a slot's type never changes within a version: add a new member in a new slot, or declare the new shape as a new version of the event ([ZamEvent(id, Version = n)]) with a [ZamUpcast] method from this one", "ZamSync.Evolution", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor RetiredSlotReused = Create(
        "ZS5006", "Retired slot is used again",
        "Member '{1}' of '{0}' uses slot {2}, which was retired; a retired slot is never used again, use a new slot", "ZamSync.Evolution", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor EventRemoved = Create(
        "ZS5007", "Event removed without retiring its id",
        "Event id {0} ('{1}') is in the contract manifest but no event type of this compilation has it; restore it, or retire the id: run 'dotnet build -p:ZamSyncUpdateManifest=true'", "ZamSync.Evolution", DiagnosticSeverity.Warning,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor EventNotRecorded = Create(
        "ZS5008", "Event is not recorded in the contract manifest",
        "Event '{0}' (id {1}) is not recorded in the contract manifest; run 'dotnet build -p:ZamSyncUpdateManifest=true' to record it, then commit zamsync.contract.txt", "ZamSync.Evolution", DiagnosticSeverity.Warning,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor MemberNotRecorded = Create(
        "ZS5009", "Member is not recorded in the contract manifest",
        "Member '{1}' of '{0}' (slot {2}) is not recorded in the contract manifest; run 'dotnet build -p:ZamSyncUpdateManifest=true' to record it, then commit zamsync.contract.txt", "ZamSync.Evolution", DiagnosticSeverity.Warning,
        WellKnownDiagnosticTags.CompilationEnd);

    // ---- ZS6xxx: determinism of Apply (DeterminismAnalyzer). {1} says where: " in S.Apply(E)" or ", reached from S.Apply(E) via H.M" ----
    public static readonly DiagnosticDescriptor ApplyReadsClock = Create(
        "ZS6001", "Apply reads the wall clock",
        "'{0}' reads the wall clock{1}; every node and every re-fold sees another time, use the event's own time or EventContext.Hlc", "ZamSync.Determinism", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor ApplyUsesRandomness = Create(
        "ZS6002", "Apply uses randomness",
        "'{0}' is random or seeded per process{1}; every node and every re-fold gets another value, draw it before submitting and put it in the event", "ZamSync.Determinism", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor ApplyUsesEnvironment = Create(
        "ZS6003", "Apply reads the environment or does I/O",
        "'{0}' reads the machine or does I/O{1}; it differs between nodes and runs again on every re-fold, do it before submitting and put the result in the event", "ZamSync.Determinism", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor ApplyDependsOnCulture = Create(
        "ZS6004", "Apply formats, parses or compares text with the current culture",
        "'{0}' depends on the current culture{1}; a node with another culture folds other text, pass CultureInfo.InvariantCulture (or StringComparison.Ordinal, StringComparer.Ordinal)", "ZamSync.Determinism", DiagnosticSeverity.Warning,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor ApplyIteratesUnordered = Create(
        "ZS6005", "Apply iterates a collection whose order is not defined",
        "Iteration over '{0}'{1} follows an order that is not part of the collection's contract; if the order reaches the state, iterate in a sorted order (OrderBy with an ordinal comparer) or keep a SortedDictionary/SortedSet", "ZamSync.Determinism", DiagnosticSeverity.Warning,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor ApplyIsAsync = Create(
        "ZS6006", "Apply runs asynchronously",
        "'{0}'{1} runs asynchronously; the engine applies one event at a time and returns at the first await, so the rest would change the state while later events are applied, keep Apply synchronous", "ZamSync.Determinism", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor ApplyUsesMutableStatic = Create(
        "ZS6007", "Apply uses mutable static state",
        "'{0}' is mutable static state{1}; it is outside the state, survives Reset and differs between processes, keep it in the state's own members", "ZamSync.Determinism", DiagnosticSeverity.Error,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor ApplyAccumulatesFloatingPoint = Create(
        "ZS6008", "Apply accumulates floating-point values",
        "Floating-point accumulation into '{0}'{1}; each step rounds, so the result depends on the exact order and count of the steps and is not exact, accumulate decimal or integer units", "ZamSync.Determinism", DiagnosticSeverity.Warning,
        WellKnownDiagnosticTags.CompilationEnd);

    // ---- ZS9xxx: infrastructure ----
    public static readonly DiagnosticDescriptor GeneratorFailure = Create(
        "ZS9001", "The ZamSync generator failed",
        "The ZamSync generator failed on '{0}': {1}", "ZamSync.Infrastructure", DiagnosticSeverity.Warning);
}
