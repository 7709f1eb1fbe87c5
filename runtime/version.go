package runtime

// Versions of the contract between generated code and this package. Code
// that zmqgen generates refers to the constant of the version it was
// written for:
//
//	const _ = runtime.SupportPackageIsVersion2
//
// When the contract changes, a new constant is added and the old one is
// kept, but as a variable of a type whose name says what to do, so that
// the Go compiler rejects the old generated code with a message saying
// to regenerate it rather than a list of missing names:
//
//	runtime.SupportPackageIsVersion1 (variable of struct type "github.com/
//	zmqgen/zmqgen/runtime".generatedCodeIsTooOld_RunZmqgenGenerate) is not
//	constant
//
// Code generated for a newer runtime than this one fails to compile with
// "undefined: runtime.SupportPackageIsVersionN": then the runtime (the
// github.com/zmqgen/zmqgen module) needs updating.

// SupportPackageIsVersion2 is referenced by code generated for this
// runtime: node programs whose main calls Main with their Program tables.
const SupportPackageIsVersion2 = true

// SupportPackageIsVersion1 was referenced by code generated before the
// flag parsing, main loop and envelopes of node programs moved into this
// package. That code no longer compiles: run zmqgen generate again.
var SupportPackageIsVersion1 generatedCodeIsTooOld_RunZmqgenGenerate

// generatedCodeIsTooOld_RunZmqgenGenerate is the type of the names of
// versions this runtime no longer supports; its name is the message the
// compiler gives about such generated code.
type generatedCodeIsTooOld_RunZmqgenGenerate struct{}
