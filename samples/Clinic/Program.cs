using Spectre.Console;

// Output on stdout, each error as one line on stderr, so scripts can tell them apart. (System.CommandLine turns
// Ctrl+C and SIGTERM into cancellation of the running command.)
return await Clinic.ClinicApp.RunAsync(args, AnsiConsole.Console, Console.Error);
