using ZamSync;

namespace ClinicApp.Contracts;

/// <summary>A patient is registered. Ids and slots are the wire format: never change or reuse them.</summary>
[ZamEvent(1)]
public partial record PatientRegistered(
    [property: ZamMember(0)] string PatientId,
    [property: ZamMember(1)] string Name,
    [property: ZamMember(2)] DateOnly BirthDate);

/// <summary>Vital signs taken at a visit.</summary>
[ZamEvent(2)]
public partial record VitalsRecorded(
    [property: ZamMember(0)] string PatientId,
    [property: ZamMember(1)] int Systolic,
    [property: ZamMember(2)] int Diastolic);

/// <summary>What every node knows, folded from the events in the one order all nodes agree on.</summary>
[ZamState]
public partial class ClinicState
{
    public Dictionary<string, string> Patients { get; } = new();
    public Dictionary<string, List<(int Systolic, int Diastolic)>> Vitals { get; } = new();

    public void Reset()
    {
        Patients.Clear();
        Vitals.Clear();
    }

    void Apply(PatientRegistered e) => Patients[e.PatientId] = e.Name;

    void Apply(VitalsRecorded e)
    {
        if (!Vitals.TryGetValue(e.PatientId, out var list)) Vitals[e.PatientId] = list = new();
        list.Add((e.Systolic, e.Diastolic));
    }
}
