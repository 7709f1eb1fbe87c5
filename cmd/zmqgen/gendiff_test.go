package main

import "testing"

func TestUnifiedLineDiff(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
	b := "1\n2\n3\nfour\n5\n6\n7\n8\n9\n10\n11\n12\n13\n"
	want := "--- a/x\n+++ b/x\n" +
		"@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+four\n 5\n 6\n 7\n" +
		"@@ -10,3 +10,4 @@\n 10\n 11\n 12\n+13\n"
	if got := string(unifiedLineDiff("a/x", "b/x", []byte(a), []byte(b))); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := unifiedLineDiff("a/x", "b/x", []byte(a), []byte(a)); got != nil {
		t.Errorf("equal files: got %q", got)
	}
	want = "--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+1\n+2\n"
	if got := string(unifiedLineDiff("/dev/null", "b/x", nil, []byte("1\n2\n"))); got != want {
		t.Errorf("new file: got:\n%s\nwant:\n%s", got, want)
	}
	want = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-1\n\\ No newline at end of file\n+1\n"
	if got := string(unifiedLineDiff("a/x", "b/x", []byte("1"), []byte("1\n"))); got != want {
		t.Errorf("missing newline: got:\n%s\nwant:\n%s", got, want)
	}
}
