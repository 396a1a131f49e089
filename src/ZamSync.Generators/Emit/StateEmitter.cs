using System.Linq;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Emit;

/// <summary>Writes a state's <c>IStateStore</c> implementation: a switch on the event type that calls Apply.</summary>
internal static class StateEmitter
{
    public static string HintName(StateModel model) => model.Type.HintStem + ".ZamState.g.cs";

    /// <summary>Two handled events with one id (reported as ZS2002) would make the switch invalid: emit nothing.</summary>
    public static bool CanEmit(StateModel model) =>
        model.IsValid && model.Handlers.Select(h => h.EventId).Distinct().Count() == model.Handlers.Count;

    public static string Emit(StateModel model)
    {
        var w = new IndentedWriter();
        Common.Header(w);
        int scopes = Common.OpenScopes(w, model.Type);

        w.Line("/// <remarks>");
        w.Line("/// ZamSync state. Handled event ids: " + (model.Handlers.Count == 0 ? "none" : string.Join(", ", model.Handlers.Select(h => h.EventId))) + ".");
        w.Line("/// Events of other types (from nodes running a newer contract) are stored and forwarded but not applied.");
        w.Line("/// </remarks>");
        w.Line(Common.GeneratedCode);
        string interfaces = model.Snapshot is null ? "global::ZamSync.IStateStore" : "global::ZamSync.IStateStore, global::ZamSync.ISnapshotableState";
        w.Open($"partial class {Common.Escape(model.Type.Name)} : {interfaces}");

        w.Open("void global::ZamSync.IStateStore.Apply(in global::ZamSync.EventEnvelope envelope)");
        w.Open("switch (envelope.EventType)");
        foreach (var h in model.Handlers)
        {
            w.Open($"case {h.EventId}u:");
            w.Line($"var __e = global::MemoryPack.MemoryPackSerializer.Deserialize<{h.EventTypeName}>(envelope.Payload.Span);");
            if (!h.EventIsValueType)
            {
                w.Line($"if (__e is null) throw new global::System.IO.InvalidDataException(\"Event \" + envelope.ToString() + \" has a null payload.\");");
            }
            // An older version: its upcasters, oldest first, then the Apply of the version the chain ends at.
            string value = "__e";
            foreach (var upcast in h.Upcasts) value = $"{upcast}({value})";
            w.Line(h.TakesContext ? $"Apply({value}, global::ZamSync.EventContext.From(in envelope));" : $"Apply({value});");
            w.Line("break;");
            w.Close();
        }
        w.Line("default:");
        w.Line("    // Unknown event type: a newer node's event. Stored and forwarded, not applied.");
        w.Line("    break;");
        w.Close();
        w.Close();
        w.Line();
        w.Line("void global::ZamSync.IStateStore.Reset() => Reset();");
        if (model.Reset is { } reset) EmitReset(w, model.Type, reset);
        if (model.Snapshot is { } snapshot) EmitSnapshot(w, snapshot);

        w.Close();
        Common.CloseScopes(w, scopes);
        if (model.Snapshot is { DataTypes.Count: > 0 } withData) EmitDataFormatters(w, model.Type, withData);
        return w.ToString();
    }

    /// <summary>
    /// [ZamState(GenerateReset = true)]: each public data member back to what a new instance holds. Settable members
    /// take the new instance's value; read-only collections are cleared and refilled from it, keeping their
    /// instance (and comparer), as ReadSnapshot does.
    /// </summary>
    private static void EmitReset(IndentedWriter w, TypeIdentity type, ResetModel reset)
    {
        w.Line();
        w.Line("/// <summary>Generated: puts every public data member back to what a new instance holds.</summary>");
        // The attribute tells the analyzer, which sees this output, that the Reset is ours, not a second one (ZS4008).
        w.Line(Common.GeneratedCode);
        w.Open("public void Reset()");
        if (reset.Members.Count > 0) w.Line($"var __fresh = new {Common.Escape(type.Name)}();");
        foreach (var m in reset.Members)
        {
            string name = Common.Escape(m.Name);
            if (m.CollectionElementType is null)
            {
                w.Line($"this.{name} = __fresh.{name};");
                continue;
            }
            string collection = $"((global::System.Collections.Generic.ICollection<{m.CollectionElementType}>)this.{name})";
            w.Line($"{collection}.Clear();");
            w.Line($"foreach (var __item in __fresh.{name}) {collection}.Add(__item);");
        }
        w.Close();
    }

    /// <summary>
    /// Formatters for the plain types the snapshot holds, and a module initializer that registers them with
    /// MemoryPack. They live in a class of their own (the types need not be partial), named after the state so two
    /// states holding one type each register an identical formatter: the last registration wins, and either is right.
    /// </summary>
    private static void EmitDataFormatters(IndentedWriter w, TypeIdentity state, SnapshotModel snapshot)
    {
        w.Line();
        w.Open("namespace ZamSync.Generated.Snapshots");
        w.Line("/// <summary>Formatters of the plain types held by the snapshot of <c>" + Xml(state.FullyQualifiedName) + "</c>.</summary>");
        w.Line(Common.EditorHidden);
        w.Line(Common.GeneratedCode);
        w.Open($"internal static class {HolderName(state)}");
        w.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
        w.Open("internal static void RegisterFormatters()");
        for (int i = 0; i < snapshot.DataTypes.Count; i++)
        {
            w.Line($"global::MemoryPack.MemoryPackFormatterProvider.Register(new Formatter{i}());");
        }
        w.Close();
        for (int i = 0; i < snapshot.DataTypes.Count; i++)
        {
            var data = snapshot.DataTypes[i];
            w.Line();
            w.Line($"/// <summary><c>{Xml(data.Type.FullyQualifiedName)}</c>: MemoryPack version-tolerant layout, {data.SlotCount} slot(s).</summary>");
            EventEmitter.EmitFormatter(w, "Formatter" + i, data.Type, data.Members, data.SlotCount, data.Construction);
        }
        w.Close();
        w.Close();
    }

    /// <summary>A class name unique to the state: its hint stem with every non-identifier character replaced.</summary>
    private static string HolderName(TypeIdentity state) =>
        "__" + new string(state.HintStem.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray()) + "_SnapshotTypes";

    /// <summary>
    /// <c>ISnapshotableState</c>: the snapshot members in MemoryPack's version-tolerant object layout, as an event's
    /// formatter writes them. Reading calls the user's Reset(), then restores each slot the snapshot has: settable
    /// members are assigned, read-only collections are cleared and filled (keeping their comparer). A slot the
    /// snapshot lacks (an older writer) keeps what Reset() left; slots it has beyond ours (a newer writer) are skipped.
    /// </summary>
    private static void EmitSnapshot(IndentedWriter w, SnapshotModel snapshot)
    {
        var bySlot = snapshot.Members.ToDictionary(m => m.Member.Slot);
        int n = snapshot.SlotCount;

        w.Line();
        w.Line("/// <remarks>");
        w.Line($"/// ZamSync state snapshot: MemoryPack version-tolerant layout, {n} slot(s).");
        w.Line("/// <list type=\"table\">");
        for (int slot = 0; slot < n; slot++)
        {
            string description = bySlot.TryGetValue(slot, out var m)
                ? $"{m.Member.Name}: <c>{Xml(m.Member.SchemaTypeName)}</c>{(m.CollectionElementType is null ? "" : " (cleared and filled)")}"
                : "(empty)";
            w.Line($"/// <item><term>slot {slot}</term><description>{description}</description></item>");
        }
        w.Line("/// </list>");
        w.Line("/// </remarks>");
        w.Open("void global::ZamSync.ISnapshotableState.WriteSnapshot(global::System.Buffers.IBufferWriter<byte> destination)");
        w.Line("using var __state = global::MemoryPack.MemoryPackWriterOptionalStatePool.Rent(null);");
        w.Line("var writer = new global::MemoryPack.MemoryPackWriter<global::System.Buffers.IBufferWriter<byte>>(ref destination, __state);");
        EventEmitter.WriteSlots(w, n, snapshot.Members.ToDictionary(m => m.Member.Slot, m => m.Member), "this");
        w.Line("writer.Flush();");
        w.Close();
        w.Line();

        w.Open("void global::ZamSync.ISnapshotableState.ReadSnapshot(global::System.ReadOnlySpan<byte> snapshot)");
        w.Line("Reset();");
        w.Line("using var __state = global::MemoryPack.MemoryPackReaderOptionalStatePool.Rent(null);");
        w.Line("var reader = new global::MemoryPack.MemoryPackReader(snapshot, __state);");
        w.Open("if (!reader.TryReadObjectHeader(out var __count))");
        w.Line("return;");
        w.Close();
        w.Line("global::System.Span<int> __lengths = stackalloc int[__count];");
        w.Open("for (int __i = 0; __i < __count; __i++)");
        w.Line("__lengths[__i] = reader.ReadVarIntInt32();");
        w.Line($"if (__lengths[__i] < 0) {EventEmitter.NegativeLength}");
        w.Close();
        for (int slot = 0; slot < n; slot++)
        {
            if (!bySlot.TryGetValue(slot, out var s))
            {
                w.Line($"if (__count > {slot} && __lengths[{slot}] != 0) reader.Advance(__lengths[{slot}]);");
                continue;
            }
            var m = s.Member;
            string local = EventEmitter.Local(m);
            string target = "this." + Common.Escape(m.Name);
            w.Open($"if (__count > {slot} && __lengths[{slot}] != 0)");
            w.Line($"{m.TypeName} {local} = default!;");
            w.Line(EventEmitter.Read(m, refill: false));
            if (s.CollectionElementType is null)
            {
                w.Line($"{target} = {local};");
            }
            else
            {
                string collection = $"((global::System.Collections.Generic.ICollection<{s.CollectionElementType}>){target})";
                w.Line($"{collection}.Clear();");
                w.Open($"if ({local} is not null)");
                w.Line($"foreach (var __item in {local}) {collection}.Add(__item);");
                w.Close();
            }
            w.Close();
        }
        w.Line("// Slots from a newer contract: skip them.");
        w.Open($"for (int __i = {n}; __i < __count; __i++)");
        w.Line("reader.Advance(__lengths[__i]);");
        w.Close();
        w.Close();
    }

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
