import JobEngine
import MediaCenterCore
import Testing

@Suite struct SpanPlannerTests {
    /// Makes an item of `kib` KiB with SOP Instance UID `uid` in `series` of `study`.
    func item(_ uid: String, _ kib: Int64, series: String = "S1", study: String = "T1")
        -> SpanItem
    {
        SpanItem(
            sopInstanceUID: uid, studyInstanceUID: study, seriesInstanceUID: series,
            fileBytes: kib << 10)
    }

    /// A planner for discs of `kib` KiB with 20 KiB of overhead each.
    func planner(_ kib: Int64) -> SpanPlanner {
        SpanPlanner(capacityBytes: kib << 10, overheadBytes: 20 << 10)
    }

    @Test func collectionThatFitsStaysOnOneDisc() throws {
        let items = [item("1", 30), item("2", 30), item("3", 30)]

        let discs = try planner(120).plan(items)

        #expect(discs == [[0, 1, 2]])
    }

    @Test func sizesAreRoundedToSectors() throws {
        // Three files of 33 KiB and 1 byte take 34 KiB each on a disc, so the third one
        // no longer fits in 100 KiB of room.
        let items = (1...3).map {
            SpanItem(
                sopInstanceUID: "\($0)", studyInstanceUID: "T1", seriesInstanceUID: "S\($0)",
                fileBytes: (33 << 10) + 1)
        }

        let discs = try planner(120).plan(items)

        #expect(discs == [[0, 1], [2]])
    }

    @Test func seriesThatFitsIsNotSplit() throws {
        let items = [
            item("1", 40, series: "A"), item("2", 40, series: "A"),
            item("3", 30, series: "B"), item("4", 30, series: "B"),
        ]

        // 80 KiB of series A leave 20 KiB, less than series B's 60 KiB.
        let discs = try planner(120).plan(items)

        #expect(discs == [[0, 1], [2, 3]])
    }

    @Test func seriesLargerThanDiscIsSplitInOrder() throws {
        let items = [item("1", 10, series: "A")] + (2...7).map { item("\($0)", 40, series: "B") }

        let discs = try planner(120).plan(items)

        // Room is 100 KiB per disc: A takes 10, so two of B fill the first disc.
        #expect(discs == [[0, 1, 2], [3, 4], [5, 6]])
        #expect(discs.flatMap { $0 } == Array(0..<7))
    }

    @Test func orderFollowsStudyThenSeries() throws {
        // Received interleaved: study T1 series A, T2 series C, T1 series B, T1 series A.
        let items = [
            item("1", 10, series: "A", study: "T1"), item("2", 10, series: "C", study: "T2"),
            item("3", 10, series: "B", study: "T1"), item("4", 10, series: "A", study: "T1"),
        ]

        let discs = try planner(120).plan(items)

        #expect(discs == [[0, 3, 2, 1]])
    }

    @Test func everyInstanceIsOnExactlyOneDisc() throws {
        let items = (1...50).map { item("\($0)", Int64(5 + $0 % 17), series: "S\($0 % 4)") }

        let discs = try planner(150).plan(items)

        #expect(discs.flatMap { $0 }.sorted() == Array(0..<50))
        for disc in discs {
            let bytes = disc.reduce(Int64(0)) {
                $0 + SpanPlanner.sectorRounded(items[$1].fileBytes)
            }
            #expect(bytes <= (130 << 10), "disc holds \(bytes) bytes of files")
        }
    }

    @Test func oversizedInstanceIsError() throws {
        let items = [item("1", 10), item("1.2.9", 101)]

        let error = #expect(throws: MediaCenterError.self) {
            try planner(120).plan(items)
        }

        #expect(error?.code == .mediaFailure)
        #expect(error?.message.contains("instance 1.2.9 is 103424 bytes") == true)
        #expect(error?.message.contains("a capacity of 122880 bytes") == true)
    }

    @Test func emptyCollectionHasNoDiscs() throws {
        #expect(try planner(120).plan([]) == [])
    }

    @Test func overheadLargerThanDiscNamesRepeatedContent() {
        let planner = SpanPlanner(capacityBytes: 100 << 10, overheadBytes: 120 << 10)

        let error = #expect(throws: MediaCenterError.self) {
            try planner.plan([item("1.1", 4)])
        }

        #expect(error?.message.contains("every disc of the set repeats") == true)
        #expect(error?.message.contains("viewer_folder") == true)
        #expect(error?.message.contains("1.1") == false)
    }
}
