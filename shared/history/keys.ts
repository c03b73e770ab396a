/**
 * A test's key in the history: its JUnit classname and name, which are what select-tests
 * matches inventory ids against (`name`, or `classname.name`). The suite and the report's
 * path are left out: they change between runs (shards, renamed files) while the test does not.
 */
const SEPARATOR = '\u001f';

export function testKey(classname: string, name: string): string {
  return classname ? `${classname}${SEPARATOR}${name}` : name;
}

export function splitKey(key: string): { classname: string; name: string } {
  const i = key.indexOf(SEPARATOR);
  return i < 0
    ? { classname: '', name: key }
    : { classname: key.slice(0, i), name: key.slice(i + 1) };
}

/** The key as people read it: `classname.name`, or the name alone. */
export function displayKey(key: string): string {
  const { classname, name } = splitKey(key);
  return classname ? `${classname}.${name}` : name;
}
