using Spectre.Console;

// Output on stdout, each error as one line on stderr, so scripts can tell them apart. (System.CommandLine turns
// Ctrl+C and SIGTERM into cancellation of the running command.)
// Piped into a file or a script, lines are never wrapped at a made-up width of 80.
if (Console.IsOutputRedirected) AnsiConsole.Console.Profile.Width = 1000;
return await Clinic.ClinicApp.RunAsync(args, AnsiConsole.Console, Console.Error);
