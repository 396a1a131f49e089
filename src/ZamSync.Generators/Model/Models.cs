namespace ZamSync.Generators.Model;

// Every model is a record of strings, numbers, enums and EquatableArrays: no ISymbol, SyntaxNode, Compilation
// or Location, so the incremental pipeline can compare them by value and cache what did not change.

/// <summary>How a member is written; chooses the MemoryPackWriter/Reader call.</summary>
public enum MemberKind
{
    /// <summary>Unmanaged value (primitives, enums, DateOnly, DateTime, Guid...): WriteUnmanaged / ReadUnmanaged.</summary>
    Unmanaged,
    /// <summary>Nullable unmanaged value: DangerousWriteUnmanaged / DangerousReadUnmanaged.</summary>
    UnmanagedNullable,
    /// <summary>string: WriteString / ReadString.</summary>
    String,
    /// <summary>Array of unmanaged elements: WriteUnmanagedArray / ReadUnmanagedArray.</summary>
    UnmanagedArray,
    /// <summary>Array of other elements: WriteArray / ReadArray.</summary>
    Array,
    /// <summary>Anything with a registered formatter (collections, nested contracts): WriteValue / ReadValue.</summary>
    Value,
}

/// <summary>A type that encloses a contract type (nested contracts re-declare their parents as partial).</summary>
public sealed record ContainingTypeModel(string Keyword, string Name);

/// <summary>Where a type lives and how to re-declare it.</summary>
public sealed record TypeIdentity(
    string Namespace,
    string Name,
    string FullyQualifiedName,
    string Keyword,
    bool IsValueType,
    EquatableArray<ContainingTypeModel> ContainingTypes)
{
    /// <summary>Deterministic hint-name stem: <c>Namespace.Outer.Type</c>.</summary>
    public string HintStem
    {
        get
        {
            var parts = new System.Collections.Generic.List<string>();
            if (Namespace.Length > 0) parts.Add(Namespace);
            foreach (var c in ContainingTypes) parts.Add(c.Name);
            parts.Add(Name);
            return string.Join(".", parts);
        }
    }
}

/// <summary>
/// One serialized member in its slot. <see cref="TypeName"/> is global::-qualified with nullability.
/// <see cref="Column"/> is its projection column's shape (a <c>ZamColumnType</c> name); <see cref="ColumnCast"/> the
/// C# keyword an enum is cast to for its column (empty otherwise).
/// </summary>
public sealed record MemberModel(string Name, string TypeName, string SchemaTypeName, string ElementTypeName, MemberKind Kind, int Slot, bool IsSettable,
    string Column = "Json", string ColumnCast = "");

/// <summary>
/// How deserialization builds the value: constructor arguments (member names in parameter order), then settable
/// members. <see cref="CanOverwrite"/>: a class built by its parameterless constructor whose members all have
/// ordinary (not init-only) setters, so a non-null <c>value</c> passed to Deserialize is overwritten in place, as
/// MemoryPack does, instead of allocating a new instance.
/// </summary>
public sealed record ConstructionModel(EquatableArray<string> ConstructorArguments, EquatableArray<string> Initialized, bool CanOverwrite);

/// <summary>A [ZamEvent] type. <see cref="IsValid"/> false means the analyzer reports errors and nothing is emitted.</summary>
public sealed record EventModel(
    TypeIdentity Type,
    uint Id,
    EquatableArray<MemberModel> Members,
    int SlotCount,
    ConstructionModel Construction,
    bool IsValid);

/// <summary>
/// One Apply overload of a state: the event it handles, by wire id, and whether it takes an EventContext. An event
/// handled through upcasters names them in <see cref="Upcasts"/> (global::-qualified methods, oldest first); the
/// Apply called is the one taking the last upcaster's result.
/// </summary>
public sealed record HandlerModel(uint EventId, string EventTypeName, bool EventIsValueType, bool TakesContext, EquatableArray<string> Upcasts = default);

/// <summary>A [ZamUpcast] method: from one version of an event to a later one (both by type name and wire id).</summary>
public sealed record UpcastModel(string FromTypeName, uint FromWireId, bool FromIsValueType, string ToTypeName, uint ToWireId, string Method);

/// <summary>
/// One member of a state snapshot. <see cref="CollectionElementType"/> is null when ReadSnapshot assigns the
/// member; otherwise the member is read-only and ReadSnapshot clears it and adds each element through
/// <c>ICollection&lt;CollectionElementType&gt;</c>.
/// </summary>
public sealed record SnapshotMemberModel(MemberModel Member, string? CollectionElementType);

/// <summary>
/// What <c>[ZamState(Snapshots = true)]</c> writes: the members in slot order, the slot count, and the plain types
/// of the state's assembly that the members hold, which get generated formatters.
/// </summary>
public sealed record SnapshotModel(EquatableArray<SnapshotMemberModel> Members, int SlotCount, EquatableArray<DataTypeModel> DataTypes);

/// <summary>
/// A plain class, record or struct held in a snapshot state: formatted like an event (version-tolerant slots,
/// [ZamMember] pins them) but with no id, no partial declaration and no part in the wire contract.
/// </summary>
public sealed record DataTypeModel(TypeIdentity Type, EquatableArray<MemberModel> Members, int SlotCount, ConstructionModel Construction);

/// <summary>
/// A [ZamState] type. <see cref="Snapshot"/> is null unless the state opted in to snapshots; <see cref="Reset"/>
/// is null unless it opted in to a generated Reset().
/// </summary>
public sealed record StateModel(TypeIdentity Type, EquatableArray<HandlerModel> Handlers, SnapshotModel? Snapshot, bool IsValid, ResetModel? Reset = null);

/// <summary>
/// One public data member of a state with <c>GenerateReset = true</c>: assigned from a new instance, or (read-only)
/// cleared and refilled from it through <c>ICollection&lt;CollectionElementType&gt;</c>.
/// </summary>
public sealed record ResetMemberModel(string Name, string? CollectionElementType);

/// <summary>What a generated Reset() puts back: the state's public data members in declaration order.</summary>
public sealed record ResetModel(EquatableArray<ResetMemberModel> Members);

/// <summary>An entry of the assembly's contract registry, with what its projection table is made of.</summary>
public sealed record RegistryEntry(uint Id, string Name, string TypeName, string Schema, EquatableArray<ZamSync.Generators.Manifest.ManifestSlot> Slots,
    ProjectionModel? Projection = null);

/// <summary>
/// An event as a table: its simple name (the table's stem), whether it is a struct, and its members' columns in slot
/// order. The table names are chosen over the whole contract (<see cref="ZamSync.Generators.Emit.ProjectionEmitter"/>).
/// </summary>
public sealed record ProjectionModel(string SimpleName, bool IsValueType, EquatableArray<ProjectionColumnModel> Columns);

/// <summary>One member as a column: its C# name, SQL name, shape, and the cast an enum takes.</summary>
public sealed record ProjectionColumnModel(string Member, string Column, string Type, string Cast);

/// <summary>
/// Every valid event of the compilation, sorted by id (then type name), for the registry, and the text of the
/// committed contract manifest if the project has one (the registry proposes its update).
/// </summary>
public sealed record RegistryModel(EquatableArray<RegistryEntry> Entries, string? ManifestText);

/// <summary>
/// A [ZamState] type as the generator's transform reads it. A handler of an event declared in the same compilation
/// may have no id yet: reading it would bind that event's attributes again on every edit, and the pipeline has
/// already parsed every event. <see cref="ZamSync.Generators.Parsing.StateResolution"/> fills the ids in.
/// </summary>
public sealed record StateDraft(TypeIdentity Type, EquatableArray<HandlerDraft> Handlers, SnapshotModel? Snapshot, bool IsValid, ResetModel? Reset = null);

/// <summary>A handler whose <see cref="EventId"/> is null until the compilation's own events are known.</summary>
public sealed record HandlerDraft(uint? EventId, string EventTypeName, bool EventIsValueType, bool TakesContext);

/// <summary>A [ZamEvent] type of the compilation (global::-qualified) and its id.</summary>
public sealed record EventIdEntry(string TypeName, uint Id);
