namespace ZamSync.Hosting.Replication;

/// <summary>Which calendar day an instant falls in, and when the next one begins, for a budget's day boundary.</summary>
internal sealed class BudgetDay(TimeProvider time, BudgetDayBoundary boundary)
{
    public BudgetDayBoundary Boundary => boundary;

    private TimeZoneInfo Zone => boundary == BudgetDayBoundary.Utc ? TimeZoneInfo.Utc : time.LocalTimeZone;

    public DateOnly DayOf(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);

    /// <summary>The first instant of the day after <paramref name="instant"/>'s.</summary>
    public DateTimeOffset StartOfNextDay(DateTimeOffset instant)
    {
        var zone = Zone;
        var midnight = TimeZoneInfo.ConvertTime(instant, zone).Date.AddDays(1);
        // Where a daylight-saving change skips midnight, the day begins at the first local time that exists.
        while (zone.IsInvalidTime(midnight)) midnight = midnight.AddMinutes(15);
        return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight));
    }
}
