// The read-only diagram viewer (pan and zoom), exposed as window.BpmnViewer for static/processes.js.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";

window.BpmnViewer = NavigatedViewer;
