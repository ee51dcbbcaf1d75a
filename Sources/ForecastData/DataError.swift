import ForecastText

/// Input data that cannot be used, with where the problem is and what it is.
///
/// The description is one line a user can act on: the file, the line and column where known,
/// and what is wrong, for example `sales.csv, line 7, column 2: 'abc' in column 'sales' is not a number`.
public struct DataError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of failure this is; the command line maps it to an exit status.
    public enum Kind: Sendable {
        /// The file does not exist or cannot be opened (sysexits EX_NOINPUT, 66).
        case missingFile
        /// The file's contents are unusable (EX_DATAERR, 65).
        case badData
        /// The options do not fit the data: an unknown column, a lookback longer than the series… (EX_USAGE, 64).
        case usage
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// The file as the user named it (`-` or `<stdin>` for standard input).
    public var file: String
    /// The 1-based physical line of the file, where known.
    public var line: Int?
    /// The 1-based field number within the line, where known.
    public var column: Int?
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, file: String, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var place = file
        if let line { place += ", line \(line)" }
        if let column { place += ", column \(column)" }
        return printableLine("\(place): \(message)")
    }
}
