using System.Collections.Generic;
using System.Linq;
using ZamSync.Generators.Model;

namespace ZamSync.Generators.Emit;

/// <summary>
/// Writes an event's partial declaration: <c>IZamEvent&lt;T&gt;</c> and a MemoryPack formatter with MemoryPack's
/// version-tolerant layout (object header with the slot count, one varint byte length per slot, the values).
/// </summary>
internal static class EventEmitter
{
    public const string FormatterName = "__ZamFormatter";

    public static string HintName(EventModel model) => model.Type.HintStem + ".ZamEvent.g.cs";

    public static string Emit(EventModel model)
    {
        var w = new IndentedWriter();
        Common.Header(w);
        int scopes = Common.OpenScopes(w, model.Type);
        string self = model.Type.FullyQualifiedName;
        var bySlot = model.Members.ToDictionary(m => m.Slot);

        w.Line("/// <remarks>");
        w.Line($"/// ZamSync event {WireIds.Display(model.Id)}: MemoryPack version-tolerant layout, {model.SlotCount} slot(s).");
        w.Line("/// <list type=\"table\">");
        for (int slot = 0; slot < model.SlotCount; slot++)
        {
            string description = bySlot.TryGetValue(slot, out var m) ? $"{m.Name}: <c>{Xml(m.SchemaTypeName)}</c>" : "(empty)";
            w.Line($"/// <item><term>slot {slot}</term><description>{description}</description></item>");
        }
        w.Line("/// </list>");
        w.Line("/// </remarks>");
        w.Line(Common.GeneratedCode);
        w.Open($"partial {model.Type.Keyword} {Common.Escape(model.Type.Name)} : global::ZamSync.IZamEvent<{self}>");

        w.Line("/// <summary>The wire id of this event type (its id, and its version minus one in the top byte).</summary>");
        w.Line($"public const uint EventTypeId = {model.Id}u;");
        w.Line();
        w.Line($"static uint global::ZamSync.IZamEvent<{self}>.EventTypeId => EventTypeId;");
        w.Line();
        EmitFormatter(w, FormatterName, model.Type, model.Members, model.SlotCount, model.Construction);

        w.Close();
        Common.CloseScopes(w, scopes);
        return w.ToString();
    }

    /// <summary>
    /// A nested <c>MemoryPackFormatter</c> class named <paramref name="className"/> for <paramref name="type"/>:
    /// an event's, or a plain type's that a snapshot state holds (<see cref="StateEmitter"/>).
    /// </summary>
    internal static void EmitFormatter(IndentedWriter w, string className, TypeIdentity type, EquatableArray<MemberModel> members, int n, ConstructionModel construction)
    {
        string self = type.FullyQualifiedName;
        string valueType = type.IsValueType ? self : self + "?";
        var bySlot = members.ToDictionary(m => m.Slot);

        w.Line(Common.EditorHidden);
        w.Line(Common.GeneratedCode);
        w.Open($"internal sealed class {className} : global::MemoryPack.MemoryPackFormatter<{self}>");

        // ---- Serialize ----
        w.Open($"public override void Serialize<TBufferWriter>(ref global::MemoryPack.MemoryPackWriter<TBufferWriter> writer, scoped ref {valueType} value)");
        if (!type.IsValueType)
        {
            w.Open("if (value is null)");
            w.Line("writer.WriteNullObjectHeader();");
            w.Line("return;");
            w.Close();
        }
        WriteSlots(w, n, bySlot, "value");
        w.Close();
        w.Line();

        // ---- Deserialize ----
        // The ref readers hand back T? (null on the wire stays null), as ReadValue<T>()! did before: a non-nullable
        // member's local takes what the bytes say, like MemoryPack's own formatters.
        w.Line("#pragma warning disable CS8600, CS8601");
        w.Open($"public override void Deserialize(ref global::MemoryPack.MemoryPackReader reader, scoped ref {valueType} value)");
        w.Open("if (!reader.TryReadObjectHeader(out var __count))");
        w.Line("value = default;");
        w.Line("return;");
        w.Close();
        w.Line("global::System.Span<int> __lengths = stackalloc int[__count];");
        w.Open("for (int __i = 0; __i < __count; __i++)");
        w.Line("__lengths[__i] = reader.ReadVarIntInt32();");
        // A negative length would move the reader backwards when a slot is skipped: refuse it.
        w.Line($"if (__lengths[__i] < 0) {NegativeLength}");
        w.Close();
        bool overwrite = construction.CanOverwrite;
        foreach (var m in members)
        {
            w.Line($"{m.TypeName} {Local(m)};");
        }
        if (overwrite && members.Count > 0)
        {
            // Overwriting: start from the instance's own arrays and collections, which the readers refill in place.
            w.Open("if (value is null)");
            foreach (var m in members) w.Line($"{Local(m)} = default!;");
            w.Close();
            w.Open("else");
            foreach (var m in members) w.Line($"{Local(m)} = value.{Common.Escape(m.Name)};");
            w.Close();
        }
        else
        {
            foreach (var m in members) w.Line($"{Local(m)} = default!;");
        }
        if (n > 0)
        {
            // The usual case, a writer of this same contract: every slot is present, no per-slot count check.
            w.Open($"if (__count == {n})");
            EmitSlotReads(w, n, bySlot, checkCount: false);
            w.Close();
            w.Open("else");
            EmitSlotReads(w, n, bySlot, checkCount: true);
            w.Line("// Slots from a newer contract: skip them.");
            w.Open($"for (int __i = {n}; __i < __count; __i++)");
            w.Line("reader.Advance(__lengths[__i]);");
            w.Close();
            w.Close();
        }
        else
        {
            w.Line("// Slots from a newer contract: skip them.");
            w.Open("for (int __i = 0; __i < __count; __i++)");
            w.Line("reader.Advance(__lengths[__i]);");
            w.Close();
        }
        string arguments = string.Join(", ", construction.ConstructorArguments.Select(Local));
        if (overwrite)
        {
            w.Open("if (value is null)");
        }
        if (construction.Initialized.Count == 0)
        {
            w.Line($"value = new {self}({arguments});");
        }
        else
        {
            w.Line($"value = new {self}({arguments})");
            w.Line("{");
            foreach (var name in construction.Initialized) w.Line($"    {Common.Escape(name)} = {Local(name)},");
            w.Line("};");
        }
        if (overwrite)
        {
            w.Close();
            if (members.Count > 0)
            {
                w.Open("else");
                foreach (var m in members) w.Line($"value.{Common.Escape(m.Name)} = {Local(m)};");
                w.Close();
            }
        }
        w.Close();
        w.Line("#pragma warning restore CS8600, CS8601");

        w.Close();
    }

    /// <summary>
    /// The version-tolerant object body: the members of <paramref name="receiver"/> written slot by slot into a
    /// pooled buffer, then the header (slot count), one varint length per slot and the slot bytes, to the
    /// <c>MemoryPackWriter</c> named <c>writer</c>. Shared with the state snapshot.
    /// </summary>
    internal static void WriteSlots(IndentedWriter w, int n, Dictionary<int, MemberModel> bySlot, string receiver)
    {
        if (n == 0)
        {
            w.Line("writer.WriteObjectHeader(0);");
        }
        else
        {
            w.Line("var __buffer = global::MemoryPack.Internal.ReusableLinkedArrayBufferWriterPool.Rent();");
            w.Open("try");
            w.Line($"global::System.Span<int> __ends = stackalloc int[{n}];");
            w.Line("var __slots = new global::MemoryPack.MemoryPackWriter<global::MemoryPack.Internal.ReusableLinkedArrayBufferWriter>(ref __buffer, writer.OptionalState);");
            for (int slot = 0; slot < n; slot++)
            {
                string write = bySlot.TryGetValue(slot, out var m) ? Write(m, receiver) + " " : "";
                w.Line($"{write}__ends[{slot}] = __slots.WrittenCount;");
            }
            w.Line("__slots.Flush();");
            w.Line($"writer.WriteObjectHeader({n});");
            w.Line("writer.WriteVarInt(__ends[0]);");
            w.Open($"for (int __i = 1; __i < {n}; __i++)");
            w.Line("writer.WriteVarInt(__ends[__i] - __ends[__i - 1]);");
            w.Close();
            w.Line("__buffer.WriteToAndReset(ref writer);");
            w.Close();
            w.Open("finally");
            w.Line("global::MemoryPack.Internal.ReusableLinkedArrayBufferWriterPool.Return(__buffer);");
            w.Close();
        }
    }

    private static void EmitSlotReads(IndentedWriter w, int n, Dictionary<int, MemberModel> bySlot, bool checkCount)
    {
        for (int slot = 0; slot < n; slot++)
        {
            string present = checkCount ? $"__count > {slot} && __lengths[{slot}] != 0" : $"__lengths[{slot}] != 0";
            if (bySlot.TryGetValue(slot, out var m))
            {
                // A zero length (or a slot this older writer did not have) is an empty slot: the member's default,
                // also when overwriting, so no value of the previous instance survives.
                w.Line($"if ({present}) {Read(m, refill: true)} else {Local(m)} = default!;");
            }
            else
            {
                // A retired member's slot: skip its bytes.
                w.Line($"if ({present}) reader.Advance(__lengths[{slot}]);");
            }
        }
    }

    /// <summary>The statement refusing a negative slot length (hostile or corrupt bytes).</summary>
    internal const string NegativeLength = "throw new global::MemoryPack.MemoryPackSerializationException(\"A slot length is negative.\");";

    internal static string Local(MemberModel m) => Local(m.Name);

    private static string Local(string name) => "__v_" + name;

    internal static string Write(MemberModel m, string receiver)
    {
        string v = receiver + "." + Common.Escape(m.Name);
        return m.Kind switch
        {
            MemberKind.Unmanaged => $"__slots.WriteUnmanaged({v});",
            MemberKind.UnmanagedNullable => $"__slots.DangerousWriteUnmanaged({v});",
            MemberKind.String => $"__slots.WriteString({v});",
            MemberKind.UnmanagedArray => $"__slots.WriteUnmanagedArray({v});",
            MemberKind.Array => $"__slots.WriteArray({v});",
            _ => $"__slots.WriteValue({v});",
        };
    }

    /// <summary>
    /// The statement reading member <paramref name="m"/>'s slot into its local. <paramref name="refill"/> (the
    /// event's Deserialize): the ref overloads, which refill the array or collection already in the local (an
    /// overwritten instance's) when they can and allocate when it is null; the generated code around them disables
    /// CS8600/CS8601, as they hand back T?. Otherwise (the state snapshot, whose locals always start empty) a new
    /// value is read and assigned. The bytes read are the same either way.
    /// </summary>
    internal static string Read(MemberModel m, bool refill) => m.Kind switch
    {
        MemberKind.Unmanaged => $"reader.ReadUnmanaged(out {Local(m)});",
        MemberKind.UnmanagedNullable => $"reader.DangerousReadUnmanaged(out {Local(m)});",
        MemberKind.String => $"{Local(m)} = reader.ReadString()!;",
        MemberKind.UnmanagedArray => refill ? $"reader.ReadUnmanagedArray(ref {Local(m)});" : $"{Local(m)} = reader.ReadUnmanagedArray<{m.ElementTypeName}>()!;",
        // ReadArray(ref T?[]?) would not take a T[] local without a nullability warning; a new array it is.
        MemberKind.Array => $"{Local(m)} = reader.ReadArray<{m.ElementTypeName}>()!;",
        _ => refill ? $"reader.ReadValue(ref {Local(m)});" : $"{Local(m)} = reader.ReadValue<{m.TypeName}>()!;",
    };

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
