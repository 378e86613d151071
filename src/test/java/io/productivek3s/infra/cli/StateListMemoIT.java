package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Local {@code state list} through its heads memo (docs/state.md "Heads memo"), through the real launcher: the memo
 * changes nothing a listing shows, a record rewritten in place with its modification time put back is listed as it
 * is now, and nothing is read or written through a link planted for the memo or its clock.
 */
class StateListMemoIT extends PackageTestBase {
    private static final String SITE = "site-b";

    @BeforeEach
    void twoClusters() throws Exception {
        installTwoClusters(SITE);
    }

    @Test
    void aListingWithTheMemoShowsWhatTheRecordsShow() throws Exception {
        Engine.Result cold = list();
        Path memo = stateDir.resolve(".history/heads.memo");
        assertThat(memo).exists();
        Engine.Result warm = list();
        String json = ok(engine.run("state", "list", "--output", "json")).stdout();
        Files.delete(memo);
        assertThat(warm.stdout()).isEqualTo(cold.stdout()).isEqualTo(list().stdout()).contains(SITE);
        assertThat(ok(engine.run("state", "list", "--output", "json")).stdout()).isEqualTo(json);
        assertThat(Files.readString(memo)).contains(SITE).doesNotContain("ONPREM_SERVER_IP");
    }

    @Test
    void aRecordRewrittenInPlaceWithItsOldModificationTimeIsListedAsItIsNow() throws Exception {
        list();
        assertThat(list().stdout()).contains(SITE).doesNotContain("9.9.9");
        assertThat(Files.readString(stateDir.resolve(".history/heads.memo"))).as("the memo vouches for it")
                .contains(SITE + "\t");
        Path record = stateDir.resolve(".history/revisions/" + SITE + "/1.json");
        FileTime mtime = Files.getLastModifiedTime(record);
        String text = Files.readString(record);
        String version = text.replaceAll("(?s).*\"profile_version\":\"([^\"]*)\".*", "$1");
        assertThat(version).hasSize(5);
        record.toFile().setWritable(true, true);
        Files.writeString(record, text.replace("\"profile_version\":\"" + version + "\"", "\"profile_version\":\"9.9.9\""));
        Files.setLastModifiedTime(record, mtime);

        assertThat(list().stdout()).contains("9.9.9");
    }

    @Test
    void linksPlantedForTheMemoOrItsClockAreNeitherReadNorWrittenThrough() throws Exception {
        String shown = list().stdout();
        Path memo = stateDir.resolve(".history/heads.memo");
        Path clock = stateDir.resolve(".history/heads.clock");
        Path forged = Files.writeString(home.resolve("forged"), Files.readString(memo).replace(SITE, "site-x"));
        Path outside = Files.writeString(home.resolve("outside"), "keep me");
        Files.delete(memo);
        Files.delete(clock);
        Files.createSymbolicLink(memo, forged);
        Files.createSymbolicLink(clock, outside);

        assertThat(list().stdout()).isEqualTo(shown);
        assertThat(outside).hasContent("keep me");
        assertThat(Files.readString(forged)).contains("site-x");
    }

    private Engine.Result list() {
        return ok(engine.run("state", "list"));
    }
}
