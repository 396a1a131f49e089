namespace Clinic.Contracts;

// The events of a district clinic network. Ids and slots are pinned: they are the wire format, forever.

/// <summary>A patient is registered at their home clinic.</summary>
[ZamEvent(1)]
public partial record PatientRegistered(
    [property: ZamMember(0)] string PatientId,
    [property: ZamMember(1)] string Name,
    [property: ZamMember(2)] DateOnly BirthDate,
    [property: ZamMember(3)] Sex Sex,
    [property: ZamMember(4)] string Village);

/// <summary>A visit: why the patient came and who saw them.</summary>
[ZamEvent(2)]
public partial record VisitRecorded(
    [property: ZamMember(0)] string PatientId,
    [property: ZamMember(1)] string VisitId,
    [property: ZamMember(2)] string Reason,
    [property: ZamMember(3)] string SeenBy);

/// <summary>Vital signs taken during a visit.</summary>
[ZamEvent(3)]
public partial record VitalsRecorded(
    [property: ZamMember(0)] string PatientId,
    [property: ZamMember(1)] string VisitId,
    [property: ZamMember(2)] int Systolic,
    [property: ZamMember(3)] int Diastolic,
    [property: ZamMember(4)] decimal TemperatureC,
    [property: ZamMember(5)] decimal? WeightKg);

/// <summary>A diagnosis, coded (ICD-10) and in words.</summary>
[ZamEvent(4)]
public partial record DiagnosisRecorded(
    [property: ZamMember(0)] string PatientId,
    [property: ZamMember(1)] string VisitId,
    [property: ZamMember(2)] string Icd10,
    [property: ZamMember(3)] string Description);

/// <summary>Medicine prescribed and handed over.</summary>
[ZamEvent(5)]
public partial record PrescriptionIssued(
    [property: ZamMember(0)] string PatientId,
    [property: ZamMember(1)] string VisitId,
    [property: ZamMember(2)] string Item,
    [property: ZamMember(3)] int Quantity,
    [property: ZamMember(4)] string Dosage);

/// <summary>Stock arrives at a clinic (a delivery from the district store).</summary>
[ZamEvent(6)]
public partial record StockReceived(
    [property: ZamMember(0)] string Clinic,
    [property: ZamMember(1)] string Item,
    [property: ZamMember(2)] int Quantity,
    [property: ZamMember(3)] string Batch,
    [property: ZamMember(4)] DateOnly Expiry);

/// <summary>Stock leaves a clinic's shelf (dispensed to a patient, or written off).</summary>
[ZamEvent(7)]
public partial record StockDispensed(
    [property: ZamMember(0)] string Clinic,
    [property: ZamMember(1)] string Item,
    [property: ZamMember(2)] int Quantity,
    [property: ZamMember(3)] string? PatientId);

/// <summary>A patient's care moves to another clinic.</summary>
[ZamEvent(8)]
public partial record PatientTransferred(
    [property: ZamMember(0)] string PatientId,
    [property: ZamMember(1)] string FromClinic,
    [property: ZamMember(2)] string ToClinic,
    [property: ZamMember(3)] string Reason);

public enum Sex
{
    Unknown = 0,
    Female = 1,
    Male = 2,
}
