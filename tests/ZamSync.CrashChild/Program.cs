// Placeholder replaced by the crash test child below.
return 0;
