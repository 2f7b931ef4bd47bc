/** This tool's version, written into every Backup it makes. A unit test keeps it equal to package.json's. */
export const TOOL_VERSION = '0.1.0';
