// vlm-host's exit codes that whoever starts it acts on (its usage text lists them).

/** Another vlm-host already serves the data directory or the socket: use that one. */
export const anotherServiceExitCode = 3;
