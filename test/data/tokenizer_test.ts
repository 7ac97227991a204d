import assert from "node:assert/strict";
import { normalizeText, tokenize } from "../../src/data/tokenizer.ts";

Deno.test("tokenize(): words of review text", async (t) => {
  await t.step("lower case, punctuation and spaces dropped", () => {
    assert.deepEqual(tokenize("  The END... Really?!  "), ["the", "end", "really"]);
    assert.deepEqual(tokenize("good,bad;ugly"), ["good", "bad", "ugly"]);
    assert.deepEqual(tokenize(""), []);
    assert.deepEqual(tokenize(" \n\t!?--"), []);
  });
  await t.step("HTML tags become spaces; text in < > that is no tag stays", () => {
    assert.deepEqual(tokenize("one.<br /><br />Two<br/>three<BR>four"), [
      "one",
      "two",
      "three",
      "four",
    ]);
    assert.deepEqual(tokenize("<i>Casablanca</i> is<p>great<hr>"), ["casablanca", "is", "great"]);
    assert.deepEqual(tokenize("a < b and c<3"), ["a", "b", "and", "c", "3"]);
    assert.deepEqual(tokenize("<< Review posted >"), ["review", "posted"]);
    assert.deepEqual(tokenize("x<y>z"), ["x", "z"], "<y> has the shape of a tag");
  });
  await t.step("inner apostrophes join a word; outer ones drop; look-alikes are unified", () => {
    assert.deepEqual(tokenize("Don't say 'never'"), ["don't", "say", "never"]);
    assert.deepEqual(tokenize("it’s O´Brien\u0092s 80's"), ["it's", "o'brien's", "80's"]);
    assert.deepEqual(tokenize("rock 'n' roll"), ["rock", "n", "roll"]);
    assert.deepEqual(tokenize("a''b"), ["a", "b"], "a double apostrophe splits");
    assert.deepEqual(tokenize("'''"), []);
  });
  await t.step("digits are word characters; other symbols split", () => {
    assert.deepEqual(tokenize("7/10, 3.5 stars, $20, 1970s"), [
      "7",
      "10",
      "3",
      "5",
      "stars",
      "20",
      "1970s",
    ]);
    assert.deepEqual(tokenize("sci-fi e-mail"), ["sci", "fi", "e", "mail"]);
  });
  await t.step("accents fold; other scripts stay letters", () => {
    assert.deepEqual(tokenize("Café NAÏVE Ångström"), ["cafe", "naive", "angstrom"]);
    assert.deepEqual(tokenize("Амели 東京"), ["амели", "東京"]);
    assert.deepEqual(tokenize("ﬁlm"), ["film"], "NFKD splits the ligature");
    assert.equal(normalizeText("İ"), "i", "the dot of a capital İ is a mark and drops");
  });
  await t.step("deterministic and no mutation of the input", () => {
    const s = "Same <br />text, same Words.";
    assert.deepEqual(tokenize(s), tokenize(s));
    assert.equal(s, "Same <br />text, same Words.");
  });
  await t.step("a non-string is a TypeError", () => {
    assert.throws(() => tokenize(5 as unknown as string), TypeError);
  });
});
