/// The largest inputs the readers accept. Above them a reader refuses with a ``DataError`` that names
/// the limit, instead of exhausting memory or running for hours (docs/reliability.md).
///
/// They are far above any real series a single machine trains on (the bundled and M4 files are
/// kilobytes to megabytes), and low enough that what the reader holds in memory stays bounded:
/// a CSV table costs at most about 16 bytes per cell plus the text of its cells longer than 15 bytes.
public enum InputLimits {
    /// Bytes of one CSV input (file or standard input): 4 GiB. A 10 GB file is refused after its
    /// first 4 GiB have been read, with memory bounded by ``csvCells`` meanwhile.
    public static let csvBytes = 1 << 32
    /// Bytes of one CSV field, quoted or not: 1 MiB. A line of 1 GB holds at most the header's count
    /// of fields, so it is refused here as soon as one field grows past this.
    public static let csvFieldBytes = 1 << 20
    /// Bytes of the header line, which is buffered whole to choose the delimiter: 1 MiB.
    public static let csvHeaderBytes = 1 << 20
    /// Cells of one table (rows × columns): 100 million, about 1.6 GB of cell storage.
    public static let csvCells = 100_000_000
    /// Points a regular series may have once its gaps are filled: 10 × the rows read (a series more
    /// than 90% missing is not worth filling), and at least 1,000 so that a short series may have gaps. A time column jumping
    /// centuries ahead would otherwise ask for millions or billions of missing points: a typo such as
    /// `1012` for `2012` does, in an hourly series 8.9 million, in a daily one 369 000.
    public static func filledPoints(rows: Int) -> Int { max(1_000, 10 * rows) }
}
