using Spectre.Console;

return await Clinic.ClinicApp.RunAsync(args, AnsiConsole.Console);
