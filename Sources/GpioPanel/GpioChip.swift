import CGpiod
import Glibc
import MediaCenterCore

/// An open GPIO chip of libgpiod's v1 API, the only owner of its `gpiod_chip` handle.
/// Every libgpiod call of this module is in this file.
final class GpioChip {
    /// The chip as the board file names it, such as `gpiochip0`.
    let name: String
    private var handle: OpaquePointer?

    /// Opens the chip with `gpiod_chip_open` for a path and `gpiod_chip_open_by_name` for a
    /// name such as `gpiochip0`.
    /// - Parameter place: the board file and line that name the chip, for error messages.
    /// - Throws: `MediaCenterError` with `.notFound` and the text "GPIO chip not found" when
    ///   no such chip exists, and `.ioFailure` when it cannot be opened.
    init(name: String, place: String) throws {
        let opened =
            name.hasPrefix("/") ? gpiod_chip_open(name) : gpiod_chip_open_by_name(name)
        guard let opened else {
            let code = errno
            if code == ENOENT || code == ENODEV || code == ENOTTY {
                throw MediaCenterError.fromErrno(
                    .notFound,
                    "GPIO chip not found: \(name), named at \(place); check the chip in the "
                        + "board file (gpiodetect lists the chips) or set panel = simulated",
                    call: name.hasPrefix("/") ? "gpiod_chip_open" : "gpiod_chip_open_by_name",
                    errno: code)
            }
            throw MediaCenterError.fromErrno(
                .ioFailure,
                "cannot open the GPIO chip \(name), named at \(place); check the permissions "
                    + "of its device file",
                call: name.hasPrefix("/") ? "gpiod_chip_open" : "gpiod_chip_open_by_name",
                errno: code)
        }
        self.name = name
        handle = opened
    }

    deinit {
        close()
    }

    /// The number of lines the chip has, from `gpiod_chip_num_lines`.
    var lineCount: UInt32 {
        guard let handle else { return 0 }
        return UInt32(gpiod_chip_num_lines(handle))
    }

    /// Requests line `offset` with `gpiod_chip_get_line` and then
    /// `gpiod_line_request_output_flags` or `gpiod_line_request_input_flags`.
    /// - Returns: the requested line, which stays valid until the chip is closed.
    func request(
        line offset: UInt32, output: Bool, activeLow: Bool, bias: Int32?, place: String,
        label: String
    ) throws -> GpioLine {
        guard let handle, let line = gpiod_chip_get_line(handle, offset) else {
            throw MediaCenterError.fromErrno(
                .invalidConfiguration,
                "\(place): line \(offset) of GPIO chip \(name) cannot be used; the chip has "
                    + "lines 0 to \(Int(lineCount) - 1)",
                call: "gpiod_chip_get_line")
        }
        var flags: Int32 = 0
        if activeLow { flags |= Int32(GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) }
        if let bias { flags |= bias }

        let result =
            output
            ? gpiod_line_request_output_flags(line, GpioPanel.consumer, flags, 0)
            : gpiod_line_request_input_flags(line, GpioPanel.consumer, flags)
        guard result == 0 else {
            let code = errno
            let hint =
                code == EBUSY
                ? "another program holds the line; stop it or choose a free line"
                : "check the line in the board file"
            throw MediaCenterError.fromErrno(
                .ioFailure,
                "\(place): cannot request line \(offset) of GPIO chip \(name) for \(label); "
                    + hint,
                call: output ? "gpiod_line_request_output_flags" : "gpiod_line_request_input_flags",
                errno: code)
        }
        return GpioLine(handle: line, chip: name, offset: offset)
    }

    /// Releases every requested line and closes the chip with `gpiod_chip_close`.
    func close() {
        guard let handle else { return }
        gpiod_chip_close(handle)
        self.handle = nil
    }

    /// Returns the request flag for `pull-up`, or for `pull-down` when `up` is false.
    static func biasFlag(up: Bool) -> Int32 {
        Int32(
            up
                ? GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP
                : GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
    }
}

/// A requested line of a ``GpioChip``. The chip owns the handle: `gpiod_chip_close`
/// releases it, so a line must not be used after its chip is closed.
struct GpioLine {
    let handle: OpaquePointer
    let chip: String
    let offset: UInt32

    /// Sets the line's logical value with `gpiod_line_set_value`.
    func set(_ active: Bool) throws {
        guard gpiod_line_set_value(handle, active ? 1 : 0) == 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot set line \(offset) of GPIO chip \(chip)",
                call: "gpiod_line_set_value")
        }
    }

    /// Reads the line's logical value with `gpiod_line_get_value`.
    func get() throws -> Bool {
        let value = gpiod_line_get_value(handle)
        guard value >= 0 else {
            throw MediaCenterError.fromErrno(
                .ioFailure, "cannot read line \(offset) of GPIO chip \(chip)",
                call: "gpiod_line_get_value")
        }
        return value == 1
    }
}
