'use strict';
// node-ffi tutorial, "Common Usage": wrapping the fictitious libmylibrary
// (made real in examples/mylibrary). Only the require lines and the
// library path differ from the tutorial.
var ref = require("reffi/ref");
var ffi = require("reffi/ffi");
var libmylibrary = require('../mylibrary/build.js')(); // builds it if needed; path of "libmylibrary"

// typedefs
var myobj = ref.types.void // we don't know what the layout of "myobj" looks like

var MyLibrary = ffi.Library(libmylibrary, {
  "do_some_number_fudging": [ 'double', [ 'double', 'int' ] ],
  "create_object": [ "pointer", [] ],
  "do_stuff_with_object": [ "double", [ "pointer" ] ],
  "use_string_with_object": [ "void", [ "pointer", "string" ] ],
  "delete_object": [ "void", [ "pointer" ] ]
});

var res = MyLibrary.do_some_number_fudging(1.5, 5);
var fun_object = MyLibrary.create_object();

if (fun_object.isNull()) {
    console.log("Oh no! Couldn't create object!\n");
} else {
    MyLibrary.use_string_with_object(fun_object, "Hello World!");
    var fun = MyLibrary.do_stuff_with_object(fun_object);
    console.log('do_some_number_fudging(1.5, 5) = ' + res);
    console.log('do_stuff_with_object(fun_object) = ' + fun);
    MyLibrary.delete_object(fun_object);
}
